/**
 * The lab manifest (`labs/<id>/lab.json`) and the fixture description (`fixtures/<name>/fixture.json`).
 * Both are validated here so a broken lab fails at build time with a message that names the file,
 * the field and the fix, instead of failing later in a learner's browser.
 */
import { z } from 'astro/zod';
import { describeIssues, LabError } from './errors.ts';

const LAB_ID = /^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CHECK_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Workspace-relative POSIX path that stays inside the workspace and outside the hidden `.lab/`. */
const LEARNER_PATH = /^(?!\.lab\/)(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w.@-]+(?:\/[\w.@-]+)*$/;

const learnerPath = z
  .string()
  .regex(LEARNER_PATH, 'expected a relative path inside the workspace such as "app.js" (no "..", no leading "/", not under ".lab/")');

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name in UPPER_SNAKE_CASE');

export const checkRefSchema = z.object({
  /** Stable id, kebab-case; fixtures and the checker's events refer to it. */
  id: z.string().regex(CHECK_ID, 'expected a kebab-case check id such as "reads-port"'),
  /** One line the learner reads before running the checks, e.g. "Listens on the port given in PORT". */
  title: z.string().min(3, 'write a short sentence saying what the check verifies'),
});

export const labManifestSchema = z
  .object({
    /** Folder name of the lab: two-digit factor number and a slug, e.g. `03-config`. */
    id: z.string().regex(LAB_ID, 'expected "NN-slug", e.g. "03-config", matching the lab folder name'),
    /** The factor this lab teaches, 1 to 12. */
    factor: z.number({ error: 'expected the factor number, 1 to 12' }).int().min(1, 'expected a number from 1 to 12').max(12, 'expected a number from 1 to 12'),
    /** Short title shown above the lab, e.g. "Config". */
    title: z.string().min(1, 'give the lab a title, e.g. "Config"'),
    /** One or two sentences telling the learner what to change. */
    summary: z.string().min(10, 'write one or two sentences telling the learner what to change'),
    files: z.object({
      /** Files the learner sees, in the order the file tabs show them. Everything else stays hidden. */
      visible: z.array(learnerPath).min(1, 'list at least one file the learner sees, e.g. ["app.js"]'),
      /** Files the learner may edit; each must also be in `files.visible`. The rest open read-only. */
      editable: z.array(learnerPath),
      /** The file the editor opens first; must be in `files.visible`. */
      open: learnerPath,
    }),
    commands: z.object({
      /** What **Run** executes in the workspace root: starts Redis if needed, then the app. */
      run: z.string().min(1, 'give the run command, usually "node .lab/run.mjs"'),
      /** How the checker starts the learner's app (a plain `node <file>` line, so every runtime can spawn it). */
      start: z.string().regex(/^node [\w./-]+(?: [\w./=-]+)*$/, 'expected "node <file>", e.g. "node app.js"'),
      /** How the checks are run from the workspace root. */
      check: z.string().default('node .lab/check.mjs'),
      /** Further commands the learner may run from the lab toolbar or terminal, with a label. */
      tasks: z.array(z.object({ label: z.string().min(1), command: z.string().min(1) })).default([]),
    }),
    /** Environment for the learner's **Run** (the checker chooses its own). `REDIS_URL` is set by the launcher. */
    env: z.record(envName, z.string()).default({}),
    /** The checks in the order the checker runs them; `labs:verify` proves the checker's plan matches. */
    checks: z.array(checkRefSchema).min(1, 'list the checks the checker runs, e.g. [{"id": "reads-port", "title": "…"}]'),
  })
  .strict()
  .superRefine((m, ctx) => {
    const visible = new Set(m.files.visible);
    m.files.editable.forEach((file, i) => {
      if (!visible.has(file)) ctx.addIssue({ code: 'custom', path: ['files', 'editable', i], message: `"${file}" is editable but not in files.visible; add it there or remove it here` });
    });
    if (!visible.has(m.files.open)) ctx.addIssue({ code: 'custom', path: ['files', 'open'], message: `"${m.files.open}" is not in files.visible; open one of ${m.files.visible.join(', ')}` });
    const seen = new Set<string>();
    m.checks.forEach((check, i) => {
      if (seen.has(check.id)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'id'], message: `"${check.id}" is listed twice; check ids must be unique` });
      seen.add(check.id);
    });
  });

/** A lab's manifest after validation (defaults filled in). */
export type LabManifest = z.output<typeof labManifestSchema>;

export const fixtureSchema = z
  .object({
    /** Which learner files the fixture's own files are laid over. */
    from: z.enum(['starter', 'solution'], { error: 'expected "starter" or "solution": the variant this mistake is made on' }),
    /** Id of the check that must fail (status `fail`) on this fixture. */
    rejectedBy: z.string().regex(CHECK_ID, 'expected the id of a check from lab.json'),
    /** Why a real learner would write this: the misunderstanding it stands for. */
    why: z.string().min(20, 'explain in a sentence why a learner would make this mistake'),
  })
  .strict();

export type FixtureManifest = z.output<typeof fixtureSchema>;

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LabError(`${file}: not valid JSON (${(error as Error).message}); fix the syntax.`);
  }
}

/** Validates a manifest's text; `file` is used in messages only. `expectedId` is the folder name. */
export function parseManifest(file: string, text: string, expectedId?: string): LabManifest {
  const result = labManifestSchema.safeParse(parseJson(file, text));
  if (!result.success) throw new LabError(describeIssues(file, result.error));
  if (expectedId !== undefined && result.data.id !== expectedId) {
    throw new LabError(`${file}: id: "${result.data.id}" does not match the folder name; set it to "${expectedId}" or rename the folder.`);
  }
  return result.data;
}

/** Validates a fixture description against the checks its lab declares. */
export function parseFixture(file: string, text: string, manifest: LabManifest): FixtureManifest {
  const result = fixtureSchema.safeParse(parseJson(file, text));
  if (!result.success) throw new LabError(describeIssues(file, result.error));
  const ids = manifest.checks.map((c) => c.id);
  if (!ids.includes(result.data.rejectedBy)) {
    throw new LabError(`${file}: rejectedBy: "${result.data.rejectedBy}" is not a check of ${manifest.id}; use one of ${ids.join(', ')}.`);
  }
  return result.data;
}
