/**
 * Proves labs sound: the starter fails, the solution and every correct variant pass, every fixture fails
 * at the check it names (and at exactly the checks it lists in `alsoFails`, when it lists any).
 * Each variant runs the real checker in its own temporary workspace; variants run a few at a time, in
 * each process model asked for, as many rounds as asked for. Before anything runs, each lab's check.mjs is
 * loaded once to compare its checks with lab.json (verify-errors.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// The kit's process module owns finding what a run left behind: its pid records and markers.
import { killLeftovers } from '../../labs/_kit/process.mjs';
import type { FileMap } from '../workspace/runtime/types.ts';
import { readCheckLine, type Calibration, type CheckEvent, type ResultEvent } from './check-events.ts';
import { learnerFiles, loadLab, listLabIds, writeWorkspace, type Lab, type LabFixture } from './loader.ts';
import { checkCommand } from './manifest.ts';
import { firstError, probeChecks, repoPaths } from './verify-errors.ts';

/** The process model a run forces on the checker (LAB_PROCESS_MODEL), or `auto` to let the kit choose. */
export type ModelChoice = 'posix' | 'portable' | 'auto';

export interface VariantReport {
  lab: string;
  variant: string;
  /** The process model the checker ran in. */
  model: ModelChoice;
  /** Which round of `repeat` (1-based). */
  round: number;
  /** What the run showed: `pass`, `fail` (with the failing checks), `error`, or a crash of the checker. */
  verdict: string;
  expected: string;
  ok: boolean;
  ms: number;
  /** Why it is not ok, for the table's notes. */
  note?: string;
  /** The first error of the checker or the app when the run errored, with its file and line. */
  error?: string;
  /** The time-budget calibration the run used (from its plan). */
  calibration?: Calibration;
  events: CheckEvent[];
  /** What the checker wrote to stderr, and lines on stdout that were not protocol events. */
  stderr: string;
}

interface Job {
  lab: Lab;
  variant: string;
  model: ModelChoice;
  round: number;
  files: FileMap;
  /** Whether `files` is the whole app (fixtures, variants) rather than the learner's visible files. */
  whole: boolean;
  expected: string;
  /** Set when the submission could not be composed: reported without running anything. */
  problem?: string;
  judge: (events: CheckEvent[]) => string | undefined;
}

/**
 * A safety net for a checker that never ends, not a budget: the kit bounds each check itself, scaled to
 * the machine (waits stretch up to 15× on a loaded one), so a sound lab with several processes per check
 * can need minutes under load. Only a checker still running after this is stopped and reported.
 */
const VARIANT_TIME_LIMIT_MS = 300_000;

const resultsOf = (events: CheckEvent[]): ResultEvent[] => events.filter((e): e is ResultEvent => e.type === 'result');
const doneOf = (events: CheckEvent[]) => events.find((e): e is Extract<CheckEvent, { type: 'done' }> => e.type === 'done');
const firstLine = (r: ResultEvent): string => `${r.check}: ${r.status}: ${r.message.split('\n')[0]}`;

/** What must hold for a fixture: `rejectedBy` fails; `alsoFails` fail or error; with `alsoFails`, the rest pass. */
export function judgeFixture(fixture: Pick<LabFixture, 'rejectedBy' | 'alsoFails'>, events: CheckEvent[]): string | undefined {
  const results = resultsOf(events);
  const named = results.find((r) => r.check === fixture.rejectedBy);
  if (!named) return `no result for ${fixture.rejectedBy}`;
  if (named.status !== 'fail') return `${fixture.rejectedBy} was ${named.status}: ${named.message.split('\n')[0]}`;
  if (!fixture.alsoFails) return undefined;
  const problems: string[] = [];
  for (const id of fixture.alsoFails) {
    const result = results.find((r) => r.check === id);
    if (!result) problems.push(`no result for ${id} (in alsoFails)`);
    else if (result.status === 'pass') problems.push(`${id} passed, but alsoFails says it fails`);
  }
  const named2 = new Set([fixture.rejectedBy, ...fixture.alsoFails]);
  for (const r of results) if (!named2.has(r.check) && r.status !== 'pass') problems.push(`${firstLine(r)} (not in alsoFails, so it must pass)`);
  return problems.length ? problems.join('; ') : undefined;
}

type JobTemplate = Omit<Job, 'model' | 'round'>;

function jobsFor(lab: Lab): JobTemplate[] {
  const planMatches = (events: CheckEvent[]): string | undefined => {
    const plan = events.find((e) => e.type === 'plan');
    const ids = plan?.type === 'plan' ? plan.checks.map((c) => c.id).join(',') : '';
    return ids === lab.manifest.checks.map((c) => c.id).join(',') ? undefined : `the checker's plan (${ids || 'none'}) differs from lab.json`;
  };
  const passesAll = (what: string) => (ev: CheckEvent[]): string | undefined => {
    const bad = resultsOf(ev).filter((r) => r.status !== 'pass');
    return planMatches(ev) ?? (bad.length || !doneOf(ev) ? `${what} must pass every check; ${bad.map(firstLine).join('; ') || 'no done event'}` : undefined);
  };
  return [
    {
      lab, variant: 'starter', files: learnerFiles(lab, 'starter'), whole: false, expected: 'fail',
      judge: (ev) => planMatches(ev) ?? (doneOf(ev)?.status === 'fail' ? undefined : 'the starter must fail at least one check'),
    },
    { lab, variant: 'solution', files: learnerFiles(lab, 'solution'), whole: false, expected: 'pass', judge: passesAll('the solution') },
    ...lab.variants.map((v): JobTemplate => ({
      lab, variant: `variant ${v.name}`, files: v.files, whole: true, expected: 'pass',
      ...(v.problem ? { problem: v.problem } : {}),
      judge: passesAll(`the correct variant ${v.name}`),
    })),
    ...lab.fixtures.map((f): JobTemplate => ({
      lab, variant: `fixture ${f.name}`, files: f.files, whole: true,
      expected: `fail ${f.rejectedBy}${f.alsoFails?.length ? ` (+${f.alsoFails.join(' ')})` : ''}`,
      ...(f.problem ? { problem: f.problem } : {}),
      judge: (ev) => planMatches(ev) ?? judgeFixture(f, ev),
    })),
  ];
}

function verdictOf(events: CheckEvent[]): string {
  const done = events.find((e) => e.type === 'done');
  if (!done || done.type !== 'done') return 'no verdict';
  const failing = events.filter((e) => e.type === 'result' && e.status !== 'pass').map((e) => (e.type === 'result' ? `${e.check}${e.status === 'error' ? '!' : ''}` : ''));
  return failing.length ? `${done.status} ${failing.join(' ')}` : done.status;
}

async function runJob(job: Job, root: string, env: NodeJS.ProcessEnv, labsRoot: string): Promise<VariantReport> {
  const base = { lab: job.lab.id, variant: job.variant, model: job.model, round: job.round, expected: job.expected };
  if (job.problem) return { ...base, verdict: 'not run', ok: false, ms: 0, note: job.problem, events: [], stderr: '' };
  const dir = await mkdtemp(join(root, `${job.lab.id}-`));
  const { problems: packageProblems } = await writeWorkspace(dir, job.lab, job.files, { whole: job.whole });
  const started = performance.now();
  const { program, args } = checkCommand(job.lab.manifest, '--json');
  const childEnv = { ...env };
  if (job.model === 'auto') delete childEnv['LAB_PROCESS_MODEL'];
  else childEnv['LAB_PROCESS_MODEL'] = job.model;
  const child = spawn(program, args, { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), VARIANT_TIME_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  const events: CheckEvent[] = [];
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const read = readCheckLine(line);
    if (read && 'event' in read) events.push(read.event);
    else err += `\n${read ? read.problem : 'not a protocol line'}: ${line}`;
  }
  // Processes the checker recorded and that are still alive with its marker outlived the run.
  const model = job.model === 'auto' ? undefined : job.model;
  const leftovers = killLeftovers(join(dir, '.lab', 'pids.ndjson'), model ? { model } : {});
  await rm(dir, { recursive: true, force: true });
  const stderr = repoPaths(err, dir, labsRoot);
  const verdict = events.length ? verdictOf(events) : `checker crashed (exit ${code})`;
  const error = events.some((e) => e.type === 'result' && e.status === 'error') || !events.some((e) => e.type === 'done') ? firstError(events, err) : undefined;
  const shownError = error === undefined ? undefined : repoPaths(error, dir, labsRoot);
  let note = events.length ? job.judge(events) : `the checker printed no verdict${shownError ? `: ${shownError}` : ''}`;
  if (note && shownError && events.length && !note.includes(shownError.replace(/^[\w-]+: /, ''))) note += ` — first error: ${shownError}`;
  if (!note && leftovers.length) note = `${leftovers.length} process(es) outlived the check run (pids ${leftovers.join(', ')})`;
  // The lab's own code must run on the packages the course ships; a fixture's mistake may declare anything.
  if (!note && !job.variant.startsWith('fixture ') && packageProblems.length) note = `its packages: ${packageProblems.join(' ')}`;
  const done = events.find((e) => e.type === 'done');
  const exitWanted = done?.type === 'done' ? { pass: 0, fail: 1, error: 2 }[done.status] : undefined;
  if (!note && exitWanted !== code) note = `the checker exited with ${code}, expected ${exitWanted} for its verdict`;
  const plan = events.find((e) => e.type === 'plan');
  return {
    ...base, verdict, ok: !note, ms, events, stderr,
    ...(note ? { note } : {}),
    ...(shownError ? { error: shownError } : {}),
    ...(plan?.type === 'plan' && plan.calibration ? { calibration: plan.calibration } : {}),
  };
}

export interface VerifyOptions {
  root?: string;
  /** Variants run at once (see DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** How many times each variant runs (default 1). */
  repeat?: number;
  /** The process models to run every variant in (default: the kit's automatic choice only). */
  models?: ModelChoice[];
  /** Only these variants, as `starter`, `solution`, `fixture <name>` or `variant <name>`. */
  variants?: string[];
  /** Called as each variant finishes. */
  onReport?: (report: VariantReport) => void;
  /** Called once per lab whose check.mjs does not load or disagrees with lab.json; its variants are not run. */
  onLabProblem?: (lab: string, problem: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Variants run at once unless told otherwise. Measured on the course's 2-core machine, shared and loaded
 * (load average 18–47) plus `--load 2`, labs 03 and 09 × 3 rounds (54 runs): 0 wrong verdicts at 1, 2
 * and 4 at once, in 1506 s, 859 s and 450 s. A run mostly waits on its app, and each run's calibration
 * scales its budgets to the load it meets, so 4 at once is stable and the fastest.
 */
export const DEFAULT_CONCURRENCY = 4;

/** Each lab's check.mjs loaded once, in a starter workspace: undefined when it loads and agrees with lab.json. */
async function preflight(lab: Lab, root: string, labsRoot: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(root, `${lab.id}-probe-`));
  try {
    await writeWorkspace(dir, lab, learnerFiles(lab, 'starter'));
    return await probeChecks(dir, lab.manifest, labsRoot);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function verifyLabs(ids?: string[], options: VerifyOptions = {}): Promise<VariantReport[]> {
  const labIds = ids?.length ? ids : await listLabIds(options.root);
  const labs = await Promise.all(labIds.map((id) => loadLab(id, options.root)));
  const labsRoot = labs[0] ? dirname(labs[0].dir) : (options.root ?? '');
  const root = await mkdtemp(join(tmpdir(), 'labs-verify-'));
  const reports: VariantReport[] = [];
  try {
    const problems = await Promise.all(labs.map((lab) => preflight(lab, root, labsRoot)));
    const sound = labs.filter((lab, i) => {
      const problem = problems[i];
      if (problem === undefined) return true;
      options.onLabProblem?.(lab.id, problem);
      const report: VariantReport = { lab: lab.id, variant: 'check.mjs', model: 'auto', round: 1, verdict: 'not run', expected: 'loads, agrees with lab.json', ok: false, ms: 0, note: problem, events: [], stderr: '' };
      reports.push(report);
      return false;
    });
    const models = options.models?.length ? options.models : (['auto'] as ModelChoice[]);
    const rounds = Math.max(1, options.repeat ?? 1);
    // Later labs tend to have the longest runs (timeouts, grace periods); starting them first keeps the pool busy to the end.
    const jobs: Job[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const model of models) {
        for (const job of [...sound].reverse().flatMap(jobsFor)) {
          if (options.variants && !options.variants.includes(job.variant)) continue;
          jobs.push({ ...job, model, round });
        }
      }
    }
    const finished: VariantReport[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const index = next++;
        const report = await runJob(jobs[index] as Job, root, options.env ?? process.env, labsRoot);
        finished[index] = report;
        options.onReport?.(report);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
    // Lab by lab in the order asked for; within a lab, round by round, then model by model, as the jobs were made.
    reports.push(...labIds.flatMap((id) => finished.filter((r) => r.lab === id)));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return labIds.flatMap((id) => reports.filter((r) => r.lab === id));
}
