/**
 * npm run schemas — writes the JSON Schemas of lab.json, fixture.json and variant.json
 * (src/lab-model/schemas/) from the zod schemas. Run it after changing src/lab-model/manifest.ts or
 * submissions.ts; tests/unit/lab-model/json-schemas.test.ts fails until you do.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSON_SCHEMA_DIR, jsonSchemaFiles } from '../src/lab-model/json-schemas.ts';

await mkdir(JSON_SCHEMA_DIR, { recursive: true });
for (const [file, text] of Object.entries(jsonSchemaFiles())) {
  await writeFile(join(JSON_SCHEMA_DIR, file), text);
  console.log(`wrote ${join(JSON_SCHEMA_DIR, file)}`);
}
