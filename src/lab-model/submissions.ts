/**
 * Each field's `.describe()` is its documentation; editors show it through the generated JSON Schema.
 *
 * Submissions a lab keeps to prove itself: fixtures (`fixtures/<name>/fixture.json`, wrong answers each
 * rejected by a named check) and correct variants (`variants/<name>/variant.json`, other right answers
 * that must pass every check). Both are written against the starter or the solution: whole files laid
 * over it first, then `edits` (find/replace, each `find` must occur exactly once, so a fixture cannot
 * silently drift when the base changes), then `remove`.
 */
import { z } from 'astro/zod';
import type { FileMap } from '../workspace/runtime/types.ts';
import { LabError } from './errors.ts';
import type { LabManifest } from './manifest.ts';
import { checkId, learnerPath, parseJson, parseWith, requiredText, schemaRef, strict } from './schema-parts.ts';

export const editSchema = strict('edit', {
  file: learnerPath.describe('The file to change, relative to the workspace root, e.g. "config.js".'),
  find: requiredText('give the exact text to replace, copied from the file', 'expected the exact text to replace').min(1, 'give the exact text to replace, copied from the file').describe('Text that occurs exactly once in the file (after any whole files of the folder are laid over).'),
  replace: z.string({ error: 'expected the new text ("" to delete the found text)' }).describe('What replaces it; "" deletes it.'),
});

export type Edit = z.output<typeof editSchema>;

const from = z.enum(['starter', 'solution'], { error: 'expected "starter" or "solution": the files this one is written against' });
const why = (what: string) => requiredText(`explain in a sentence ${what}`, 'expected a sentence of text').min(20, `explain in a sentence ${what}`);
const checkOfLab = checkId('name a check of lab.json', 'expected the id of a check from lab.json');

export const fixtureSchema = strict('fixture.json', {
  $schema: schemaRef,
  from: from.describe('Which learner files the mistake is made on: "starter" or "solution".'),
  rejectedBy: checkOfLab.describe('Id of the check that must fail (status `fail`) on this fixture.'),
  alsoFails: z.array(checkOfLab).optional().describe('Other checks this mistake also fails (status fail or error). Left out: only rejectedBy is judged, and every other check may pass, fail or error. Given (even as []): each check named here must fail or error and every check not named here or in rejectedBy must pass, so the fixture pins exactly what it breaks; [] means "rejectedBy alone fails".'),
  why: why('why a learner would make this mistake').describe('Why a real learner would write this: the misunderstanding it stands for.'),
  edits: z.array(editSchema).optional().describe('Changes to `from`\'s files, applied in order after the folder\'s whole files.'),
  remove: z.array(learnerPath).optional().describe('Files `from` has that this submission deletes.'),
});

export type FixtureManifest = z.output<typeof fixtureSchema>;

export const variantSchema = strict('variant.json', {
  $schema: schemaRef,
  from: from.describe('Which learner files this right answer starts from: "starter" or "solution".'),
  why: why('how a learner arrives at this answer and why it is right too').describe('How a learner arrives at this answer and why it is right too.'),
  edits: z.array(editSchema).optional().describe('Changes to `from`\'s files, applied in order after the folder\'s whole files.'),
  remove: z.array(learnerPath).optional().describe('Files `from` has that this answer deletes.'),
});

export type VariantManifest = z.output<typeof variantSchema>;

/** Validates a fixture description against the checks its lab declares. */
export function parseFixture(file: string, text: string, manifest: LabManifest): FixtureManifest {
  const fixture = parseWith(fixtureSchema, file, parseJson(file, text));
  const ids = manifest.checks.map((c) => c.id);
  const unknown = (id: string) => `"${id}" is not a check of ${manifest.id}; use one of ${ids.join(', ')}.`;
  if (!ids.includes(fixture.rejectedBy)) throw LabError.at(file, 'rejectedBy', unknown(fixture.rejectedBy));
  fixture.alsoFails?.forEach((id, i) => {
    if (!ids.includes(id)) throw LabError.at(file, `alsoFails[${i}]`, unknown(id));
    if (id === fixture.rejectedBy) throw LabError.at(file, `alsoFails[${i}]`, `"${id}" is already rejectedBy; list only the other checks it fails.`);
  });
  return fixture;
}

export function parseVariant(file: string, text: string): VariantManifest {
  return parseWith(variantSchema, file, parseJson(file, text));
}

const occurrences = (text: string, find: string): number => {
  let count = 0;
  for (let at = text.indexOf(find); at !== -1; at = text.indexOf(find, at + find.length)) count++;
  return count;
};

/**
 * `files` changed by `edits` then `remove`. Throws a LabError naming `file` (the fixture.json or
 * variant.json) and the edited file when a `find` does not occur exactly once or a file is missing.
 */
export function applyChanges(file: string, files: FileMap, { edits = [], remove = [] }: { edits?: readonly Edit[] | undefined; remove?: readonly string[] | undefined }): FileMap {
  const out: FileMap = { ...files };
  edits.forEach((edit, i) => {
    const text = out[edit.file];
    if (text === undefined) throw LabError.at(file, `edits[${i}].file`, `"${edit.file}" is not among the files it is written against; name one of ${Object.keys(out).sort().join(', ')}.`);
    const count = occurrences(text, edit.find);
    if (count !== 1) {
      const shown = JSON.stringify(edit.find.length > 60 ? `${edit.find.slice(0, 57)}…` : edit.find);
      const fix = count === 0 ? 'the file changed since this was written; copy the current text from it' : 'include more of the surrounding text so it matches one place';
      throw LabError.at(file, `edits[${i}].find`, `${shown} occurs ${count} times in ${edit.file}, expected exactly once; ${fix}.`);
    }
    out[edit.file] = text.replace(edit.find, () => edit.replace);
  });
  remove.forEach((path, i) => {
    if (!(path in out)) throw LabError.at(file, `remove[${i}]`, `"${path}" is not among the files it is written against, so there is nothing to remove.`);
    delete out[path];
  });
  return out;
}
