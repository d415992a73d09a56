/**
 * JSON Schemas for the lab's JSON files, generated from the zod schemas (the one source of truth) so
 * editors complete and validate lab.json, fixture.json and variant.json as an author types. The files
 * live in `src/lab-model/schemas/` and are referenced by each file's `$schema`; `npm run schemas`
 * rewrites them and a unit test fails when they are stale.
 */
import { z } from 'astro/zod';
import { labManifestSchema } from './manifest.ts';
import { fixtureSchema, variantSchema } from './submissions.ts';

const SCHEMAS = {
  'lab.schema.json': { schema: labManifestSchema, title: 'Twelve-Factor Labs lab manifest (labs/NN-slug/lab.json)' },
  'fixture.schema.json': { schema: fixtureSchema, title: 'Twelve-Factor Labs fixture: a wrong submission (labs/NN-slug/fixtures/<name>/fixture.json)' },
  'variant.schema.json': { schema: variantSchema, title: 'Twelve-Factor Labs correct variant (labs/NN-slug/variants/<name>/variant.json)' },
} as const;

/** File name → the text of its JSON Schema, as checked in. */
export function jsonSchemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, { schema, title }] of Object.entries(SCHEMAS)) {
    // "input": what an author writes, so fields with defaults are optional.
    const generated = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' });
    out[file] = `${JSON.stringify({ ...generated, title }, null, 2)}\n`;
  }
  return out;
}

/** Where the generated files live, relative to the repository root. */
export const JSON_SCHEMA_DIR = 'src/lab-model/schemas';
