/**
 * Proves labs sound: the starter fails, the solution and every correct variant pass, every fixture fails
 * at the check it names (and at exactly the checks it lists in `alsoFails`, when it lists any).
 * Each variant runs the real checker in its own temporary workspace; variants run a few at a time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileMap } from '../workspace/runtime/types.ts';
import { readCheckLine, type CheckEvent, type ResultEvent } from './check-events.ts';
import { learnerFiles, loadLab, listLabIds, writeWorkspace, type Lab, type LabFixture } from './loader.ts';
import { checkCommand } from './manifest.ts';

export interface VariantReport {
  lab: string;
  variant: string;
  /** What the run showed: `pass`, `fail` (with the failing checks), `error`, or a crash of the checker. */
  verdict: string;
  expected: string;
  ok: boolean;
  ms: number;
  /** Why it is not ok, for the table's notes. */
  note?: string;
  events: CheckEvent[];
}

interface Job {
  lab: Lab;
  variant: string;
  files: FileMap;
  /** Whether `files` is the whole app (fixtures, variants) rather than the learner's visible files. */
  whole: boolean;
  expected: string;
  /** Set when the submission could not be composed: reported without running anything. */
  problem?: string;
  judge: (events: CheckEvent[]) => string | undefined;
}

const VARIANT_TIME_LIMIT_MS = 90_000;

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

function jobsFor(lab: Lab): Job[] {
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
    ...lab.variants.map((v): Job => ({
      lab, variant: `variant ${v.name}`, files: v.files, whole: true, expected: 'pass',
      ...(v.problem ? { problem: v.problem } : {}),
      judge: passesAll(`the correct variant ${v.name}`),
    })),
    ...lab.fixtures.map((f): Job => ({
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

/** Processes whose working directory is inside `root` (Linux only; elsewhere an empty list). */
async function processesUnder(root: string): Promise<number[]> {
  if (!existsSync('/proc')) return [];
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.startsWith(root)) found.push(Number(entry));
  }
  return found;
}

async function runJob(job: Job, root: string, env: NodeJS.ProcessEnv): Promise<VariantReport> {
  if (job.problem) return { lab: job.lab.id, variant: job.variant, verdict: 'not run', expected: job.expected, ok: false, ms: 0, note: job.problem, events: [] };
  const dir = await mkdtemp(join(root, `${job.lab.id}-`));
  const { problems: packageProblems } = await writeWorkspace(dir, job.lab, job.files, { whole: job.whole });
  const started = performance.now();
  const { program, args } = checkCommand(job.lab.manifest);
  const child = spawn(program, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
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
  const leftovers = await processesUnder(dir);
  for (const pid of leftovers) process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
  const verdict = events.length ? verdictOf(events) : `checker crashed (exit ${code})`;
  let note = events.length ? job.judge(events) : `the checker printed no events; stderr: ${err.trim().split('\n').slice(-3).join(' | ')}`;
  if (!note && leftovers.length) note = `${leftovers.length} process(es) outlived the check run`;
  // The lab's own code must run on the packages the course ships; a fixture's mistake may declare anything.
  if (!note && !job.variant.startsWith('fixture ') && packageProblems.length) note = `its packages: ${packageProblems.join(' ')}`;
  const exitWanted = events.find((e) => e.type === 'done')?.type === 'done' ? { pass: 0, fail: 1, error: 2 }[(events.find((e) => e.type === 'done') as { status: 'pass' | 'fail' | 'error' }).status] : undefined;
  if (!note && exitWanted !== code) note = `the checker exited with ${code}, expected ${exitWanted} for its verdict`;
  return { lab: job.lab.id, variant: job.variant, verdict, expected: job.expected, ok: !note, ms, ...(note ? { note } : {}), events };
}

export interface VerifyOptions {
  root?: string;
  /** Variants run at once. */
  concurrency?: number;
  /** Called as each variant finishes. */
  onReport?: (report: VariantReport) => void;
  env?: NodeJS.ProcessEnv;
}

export async function verifyLabs(ids?: string[], options: VerifyOptions = {}): Promise<VariantReport[]> {
  const labIds = ids?.length ? ids : await listLabIds(options.root);
  const labs = await Promise.all(labIds.map((id) => loadLab(id, options.root)));
  // Later labs tend to have the longest runs (timeouts, grace periods); starting them first keeps the pool busy to the end.
  const jobs = [...labs].reverse().flatMap(jobsFor);
  const root = await mkdtemp(join(tmpdir(), 'labs-verify-'));
  const reports: VariantReport[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      reports[index] = await runJob(jobs[index] as Job, root, options.env ?? process.env);
      options.onReport?.(reports[index]);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return labIds.flatMap((id) => reports.filter((r) => r.lab === id));
}
