/**
 * The lab manifest (`labs/<id>/lab.json`), validated here so a broken lab fails at build time with a
 * message that names the file, the field and the fix, instead of failing later in a learner's browser.
 * Each field's `.describe()` is its documentation; editors show it through the generated JSON Schema
 * (src/lab-model/schemas/lab.schema.json, `npm run schemas`).
 */
import { z } from 'astro/zod';
import { LabError } from './errors.ts';
import { TASK_KINDS } from './task-kinds.ts';
import { CHECK_ID_HINT, checkId, learnerPath, parseJson, parseWith, requiredText, schemaRef, strict } from './schema-parts.ts';

const LAB_ID = /^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/;

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name in UPPER_SNAKE_CASE');
const commandLine = (what: string, example: string) =>
  requiredText(`add ${what}, e.g. "${example}"`, `expected a command line, e.g. "${example}"`).trim().min(1, `give ${what}, e.g. "${example}"`);

export const taskSchema = strict('task', {
  label: requiredText('add the text of the task’s button, e.g. "Run two instances"', 'expected the text of the task’s button').trim().min(1, 'give the task a label, e.g. "Run two instances"').describe('The button\'s text in the Run menu, e.g. "Run two instances".'),
  command: commandLine('the task’s command line', 'node .lab/run.mjs --instances 2').describe('The command line, run from the workspace root.'),
  kind: z.enum(TASK_KINDS, { error: `expected one of ${TASK_KINDS.map((k) => `"${k}"`).join(', ')}` }).default('oneoff').describe(
    'What the command is, which decides how it runs: "app" (long-running like Run, sets up its own environment), "oneoff" (an admin process that runs to completion, with the lab\'s environment and REDIS_URL; the default), "build" (the build stage), "formation" (starts the Procfile\'s process types).',
  ),
});

export type LabTask = z.output<typeof taskSchema>;

export const checkRefSchema = z.object({
  id: checkId('give the check a kebab-case id such as "reads-port"', CHECK_ID_HINT).describe('Stable id, kebab-case; fixtures and the checker\'s events refer to it.'),
  title: requiredText('say in a short sentence what the check verifies', 'expected a sentence saying what the check verifies').min(3, 'write a short sentence saying what the check verifies').describe('One line the learner reads before running the checks, e.g. "Listens on the port given in PORT".'),
});

export const labManifestSchema = strict('lab.json', {
  $schema: schemaRef,
  id: requiredText('add the lab folder name, e.g. "id": "03-config"', 'expected "NN-slug", e.g. "03-config"').regex(LAB_ID, 'expected "NN-slug", e.g. "03-config", matching the lab folder name').describe('Folder name of the lab: two-digit factor number and a slug, e.g. `03-config`.'),
  factor: z.number({ error: (issue) => (issue.input === undefined ? 'is missing; add the factor number, e.g. "factor": 3' : 'expected the factor number, 1 to 12') }).int().min(1, 'expected a number from 1 to 12').max(12, 'expected a number from 1 to 12').describe('The factor this lab teaches, 1 to 12.'),
  title: requiredText('add a short title, e.g. "title": "Config"', 'expected a short title, e.g. "Config"').min(1, 'give the lab a title, e.g. "Config"').describe('Short title shown above the lab, e.g. "Config".'),
  summary: requiredText('add one or two sentences telling the learner what to change', 'expected one or two sentences of text').min(10, 'write one or two sentences telling the learner what to change').describe('One or two sentences telling the learner what to change.'),
  files: strict('files', {
    visible: z.array(learnerPath).min(1, 'list at least one file the learner sees, e.g. ["app.js"]').describe('Files the learner sees, in the order the file tabs show them. Everything else stays hidden.'),
    editable: z.array(learnerPath).describe('Files the learner may edit; each must also be in `files.visible`. The rest open read-only.'),
    open: learnerPath.describe('The file the editor opens first; must be in `files.visible`.'),
  }).describe('Which files the learner sees and may edit.'),
  commands: strict('commands', {
    run: commandLine('the run command', 'node .lab/run.mjs').describe('What **Run** executes in the workspace root: starts Redis if needed, then the app.'),
    // The kit resolves `npm start` / `npm run X` from package.json itself (no npm process in between), so signals reach the app.
    start: commandLine('how to start the app', 'node app.js').describe('How the checker and Run start the app: any command line, e.g. "node app.js", "npm start" or "npm run web".'),
    build: commandLine('the build command', 'npm run build').optional().describe('An optional build stage the learner runs before starting, e.g. "npm run build".'),
    check: z.string().trim().min(1).default('node .lab/check.mjs').describe('How the checks are run from the workspace root.'),
    tasks: z.array(taskSchema).default([]).describe('Further commands the learner may run from the lab toolbar, each with a label and a kind.'),
  }).describe('The command lines of the lab, run from the workspace root.'),
  env: z.record(envName, z.string()).default({}).describe('Environment for the learner\'s **Run** (the checker chooses its own). `REDIS_URL` is set by the launcher.'),
  remove: strict('remove', {
    common: z.array(learnerPath).optional().describe('Base files that neither the starter nor the solution has.'),
    starter: z.array(learnerPath).optional().describe('Base (or common) files the starter does not have.'),
    solution: z.array(learnerPath).optional().describe('Base (or common) files the solution does not have.'),
  }).optional().describe('Base files an overlay deletes: "common" from both starter and solution, "starter" or "solution" from that one only.'),
  checks: z.array(checkRefSchema, { error: 'expected a list of checks, e.g. [{"id": "reads-port", "title": "…"}]' }).min(1, 'list the checks the checker runs, e.g. [{"id": "reads-port", "title": "…"}]').describe('The checks in the order the checker runs them; `labs:verify` proves the checker\'s plan matches.'),
}).superRefine((m, ctx) => {
  const visible = new Set(m.files.visible);
  m.files.editable.forEach((file, i) => {
    if (!visible.has(file)) ctx.addIssue({ code: 'custom', path: ['files', 'editable', i], input: file, message: 'is editable but not in files.visible; add it there or remove it here' });
  });
  if (!visible.has(m.files.open)) ctx.addIssue({ code: 'custom', path: ['files', 'open'], input: m.files.open, message: `is not in files.visible; open one of ${m.files.visible.join(', ')}` });
  const seen = new Set<string>();
  m.checks.forEach((check, i) => {
    if (seen.has(check.id)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'id'], input: check.id, message: 'is listed twice; check ids must be unique' });
    seen.add(check.id);
  });
});

/** A lab's manifest after validation (defaults filled in). */
export type LabManifest = z.output<typeof labManifestSchema>;

/** The lab's check command, split for `spawn`; `node` means the Node running this script, as in the kit. */
export function checkCommand(manifest: LabManifest, ...extra: string[]): { program: string; args: string[] } {
  const [program = 'node', ...args] = manifest.commands.check.trim().split(/\s+/);
  return { program: program === 'node' ? process.execPath : program, args: [...args, ...extra] };
}

/** Validates a manifest's text; `file` is used in messages only. `expectedId` is the folder name. */
export function parseManifest(file: string, text: string, expectedId?: string): LabManifest {
  const manifest = parseWith(labManifestSchema, file, parseJson(file, text));
  if (expectedId !== undefined && manifest.id !== expectedId) {
    throw LabError.at(file, 'id', `"${manifest.id}" does not match the folder name; set it to "${expectedId}" or rename the folder.`);
  }
  return manifest;
}
