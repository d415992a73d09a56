/**
 * Pieces shared by the lab's JSON files (lab.json, fixture.json, variant.json): strict objects whose
 * unknown keys are named, required text that says what to add, paths that stay inside the workspace,
 * and the JSON parse that names the file.
 */
import { z } from 'astro/zod';
import { LabError, TOP_LEVEL } from './errors.ts';

export const CHECK_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const CHECK_ID_HINT = 'expected a kebab-case check id such as "reads-port"';
/** Workspace-relative POSIX path that stays inside the workspace and outside the hidden `.lab/`. */
const LEARNER_PATH = /^(?!\.lab\/)(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w.@-]+(?:\/[\w.@-]+)*$/;

export const learnerPath = z
  .string()
  .regex(LEARNER_PATH, 'expected a relative path inside the workspace such as "app.js" (no "..", no leading "/", not under ".lab/")');

/** Unknown keys are named in the field position by the formatter, so the message lists the real ones. */
export const strict = <T extends z.ZodRawShape>(what: string, shape: T) => {
  const fields = Object.keys(shape).filter((key) => key !== '$schema').join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'invalid_type') return issue.input === undefined ? `is missing; add it with the fields ${fields}` : `expected an object with the fields ${fields}`;
      if (issue.code !== 'unrecognized_keys') return undefined;
      const one = issue.keys.length === 1;
      return `${one ? `is not a ${what} field` : `are not ${what} fields`}; the fields are ${fields}. Check the spelling or remove ${one ? 'it' : 'them'}.`;
    },
  });
};

/** A required text field: says "is missing" when absent, `wrong` otherwise. */
export const requiredText = (missing: string, wrong: string) => z.string({ error: (issue) => (issue.input === undefined ? `is missing; ${missing}` : wrong) });

/**
 * The `$schema` key editors read to complete and validate the file, e.g.
 * `"../../src/lab-model/schemas/lab.schema.json"`. Ignored by the loader.
 */
export const schemaRef = z.string().optional().describe('Path or URL of the JSON Schema for editor completion; ignored by the loader.');

export const checkId = (missing: string, wrong: string) => requiredText(missing, wrong).regex(CHECK_ID, wrong);

export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw LabError.at(file, TOP_LEVEL, `not valid JSON (${(error as Error).message}); fix the syntax.`);
  }
}

/** Parses `value` with `schema` (quoting bad values) or throws a LabError naming `file`. */
export function parseWith<S extends z.ZodType>(schema: S, file: string, value: unknown): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw LabError.fromIssues(file, result.error);
  return result.data;
}
