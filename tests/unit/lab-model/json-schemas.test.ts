import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMA_DIR, jsonSchemaFiles } from '../../../src/lab-model/json-schemas.ts';

describe('JSON Schemas of the lab files', () => {
  it('are checked in exactly as the zod schemas generate them (run "npm run schemas" after changing one)', () => {
    for (const [file, text] of Object.entries(jsonSchemaFiles())) {
      expect(readFileSync(join(JSON_SCHEMA_DIR, file), 'utf8'), `${JSON_SCHEMA_DIR}/${file} is stale: run "npm run schemas"`).toBe(text);
    }
  });

  it('describe what an author writes: defaults optional, unknown keys refused, task kinds listed', () => {
    const lab = JSON.parse(jsonSchemaFiles()['lab.schema.json']!) as { required: string[]; additionalProperties: boolean; properties: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    expect(lab.required).toEqual(['id', 'factor', 'title', 'summary', 'files', 'commands', 'checks']);
    expect(lab.additionalProperties).toBe(false);
    expect(lab.properties['commands']?.required).toEqual(['run', 'start']);
    expect(JSON.stringify(lab.properties['commands'])).toContain('"enum":["app","oneoff","build","formation"]');
  });

  it('tell an author what alsoFails means both when it is given and when it is left out', () => {
    const fixture = JSON.parse(jsonSchemaFiles()['fixture.schema.json']!) as { properties: Record<string, { description?: string }> };
    const text = fixture.properties['alsoFails']?.description ?? '';
    expect(text).toContain('Left out: only rejectedBy is judged, and every other check may pass, fail or error.');
    expect(text).toContain('Given (even as []): each check named here must fail or error and every check not named here or in rejectedBy must pass');
  });
});
