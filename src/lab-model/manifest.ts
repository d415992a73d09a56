/**
 * The lab manifest (`labs/<id>/lab.json`) and the fixture description (`fixtures/<name>/fixture.json`).
 * Both are validated here so a broken lab fails at build time with a message that names the file,
 * the field and the fix, instead of failing later in a learner's browser.
 */
import { z } from 'astro/zod';
import { LabError, TOP_LEVEL } from './errors.ts';

const LAB_ID = /^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CHECK_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CHECK_ID_HINT = 'expected a kebab-case check id such as "reads-port"';
/** Workspace-relative POSIX path that stays inside the workspace and outside the hidden `.lab/`. */
const LEARNER_PATH = /^(?!\.lab\/)(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w.@-]+(?:\/[\w.@-]+)*$/;

const learnerPath = z
  .string()
  .regex(LEARNER_PATH, 'expected a relative path inside the workspace such as "app.js" (no "..", no leading "/", not under ".lab/")');

/** Unknown keys are named in the field position by the formatter, so the message lists the real ones. */
const strict = <T extends z.ZodRawShape>(what: string, shape: T) => {
  const fields = Object.keys(shape).join(', ');
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
const requiredText = (missing: string, wrong: string) => z.string({ error: (issue) => (issue.input === undefined ? `is missing; ${missing}` : wrong) });

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name in UPPER_SNAKE_CASE');

export const checkRefSchema = z.object({
  /** Stable id, kebab-case; fixtures and the checker's events refer to it. */
  id: requiredText('give the check a kebab-case id such as "reads-port"', CHECK_ID_HINT).regex(CHECK_ID, CHECK_ID_HINT),
  /** One line the learner reads before running the checks, e.g. "Listens on the port given in PORT". */
  title: requiredText('say in a short sentence what the check verifies', 'expected a sentence saying what the check verifies').min(3, 'write a short sentence saying what the check verifies'),
});

export const labManifestSchema = strict('lab.json', {
  /** Folder name of the lab: two-digit factor number and a slug, e.g. `03-config`. */
  id: requiredText('add the lab folder name, e.g. "id": "03-config"', 'expected "NN-slug", e.g. "03-config"').regex(LAB_ID, 'expected "NN-slug", e.g. "03-config", matching the lab folder name'),
  /** The factor this lab teaches, 1 to 12. */
  factor: z.number({ error: (issue) => (issue.input === undefined ? 'is missing; add the factor number, e.g. "factor": 3' : 'expected the factor number, 1 to 12') }).int().min(1, 'expected a number from 1 to 12').max(12, 'expected a number from 1 to 12'),
  /** Short title shown above the lab, e.g. "Config". */
  title: requiredText('add a short title, e.g. "title": "Config"', 'expected a short title, e.g. "Config"').min(1, 'give the lab a title, e.g. "Config"'),
  /** One or two sentences telling the learner what to change. */
  summary: requiredText('add one or two sentences telling the learner what to change', 'expected one or two sentences of text').min(10, 'write one or two sentences telling the learner what to change'),
  files: strict('files', {
    /** Files the learner sees, in the order the file tabs show them. Everything else stays hidden. */
    visible: z.array(learnerPath).min(1, 'list at least one file the learner sees, e.g. ["app.js"]'),
    /** Files the learner may edit; each must also be in `files.visible`. The rest open read-only. */
    editable: z.array(learnerPath),
    /** The file the editor opens first; must be in `files.visible`. */
    open: learnerPath,
  }),
  commands: strict('commands', {
    /** What **Run** executes in the workspace root: starts Redis if needed, then the app. */
    run: requiredText('add the run command, usually "node .lab/run.mjs"', 'expected a command line, usually "node .lab/run.mjs"').min(1, 'give the run command, usually "node .lab/run.mjs"'),
    /** How the checker starts the learner's app (a plain `node <file>` line, so every runtime can spawn it). */
    start: requiredText('add how to start the app, e.g. "node app.js"', 'expected "node <file>", e.g. "node app.js"').regex(/^node [\w./-]+(?: [\w./=-]+)*$/, 'expected "node <file>", e.g. "node app.js"'),
    /** How the checks are run from the workspace root. */
    check: z.string().default('node .lab/check.mjs'),
    /** Further commands the learner may run from the lab toolbar or terminal, with a label. */
    tasks: z.array(z.object({ label: z.string().min(1), command: z.string().min(1) })).default([]),
  }),
  /** Environment for the learner's **Run** (the checker chooses its own). `REDIS_URL` is set by the launcher. */
  env: z.record(envName, z.string()).default({}),
  /** The checks in the order the checker runs them; `labs:verify` proves the checker's plan matches. */
  checks: z.array(checkRefSchema, { error: 'expected a list of checks, e.g. [{"id": "reads-port", "title": "…"}]' }).min(1, 'list the checks the checker runs, e.g. [{"id": "reads-port", "title": "…"}]'),
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

export const fixtureSchema = strict('fixture.json', {
  /** Which learner files the fixture's own files are laid over. */
  from: z.enum(['starter', 'solution'], { error: 'expected "starter" or "solution": the variant this mistake is made on' }),
  /** Id of the check that must fail (status `fail`) on this fixture. */
  rejectedBy: requiredText('name the check that must reject this fixture', 'expected the id of a check from lab.json').regex(CHECK_ID, 'expected the id of a check from lab.json'),
  /** Why a real learner would write this: the misunderstanding it stands for. */
  why: requiredText('explain in a sentence why a learner would make this mistake', 'expected a sentence of text').min(20, 'explain in a sentence why a learner would make this mistake'),
});

export type FixtureManifest = z.output<typeof fixtureSchema>;

/** The lab's check command, split for `spawn`; `node` means the Node running this script, as in the kit. */
export function checkCommand(manifest: LabManifest, ...extra: string[]): { program: string; args: string[] } {
  const [program = 'node', ...args] = manifest.commands.check.trim().split(/\s+/);
  return { program: program === 'node' ? process.execPath : program, args: [...args, ...extra] };
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw LabError.at(file, TOP_LEVEL, `not valid JSON (${(error as Error).message}); fix the syntax.`);
  }
}

/** Validates a manifest's text; `file` is used in messages only. `expectedId` is the folder name. */
export function parseManifest(file: string, text: string, expectedId?: string): LabManifest {
  const result = labManifestSchema.safeParse(parseJson(file, text), { reportInput: true });
  if (!result.success) throw LabError.fromIssues(file, result.error);
  if (expectedId !== undefined && result.data.id !== expectedId) {
    throw LabError.at(file, 'id', `"${result.data.id}" does not match the folder name; set it to "${expectedId}" or rename the folder.`);
  }
  return result.data;
}

/** Validates a fixture description against the checks its lab declares. */
export function parseFixture(file: string, text: string, manifest: LabManifest): FixtureManifest {
  const result = fixtureSchema.safeParse(parseJson(file, text), { reportInput: true });
  if (!result.success) throw LabError.fromIssues(file, result.error);
  const ids = manifest.checks.map((c) => c.id);
  if (!ids.includes(result.data.rejectedBy)) {
    throw LabError.at(file, 'rejectedBy', `"${result.data.rejectedBy}" is not a check of ${manifest.id}; use one of ${ids.join(', ')}.`);
  }
  return result.data;
}
