/**
 * Proves labs sound: the starter fails, the solution passes, every fixture fails at the check it names.
 * Each variant runs the real checker in its own temporary workspace; variants run a few at a time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckEvent, FileMap } from '../workspace/runtime/types.ts';
import { learnerFiles, loadLab, listLabIds, writeWorkspace, type Lab } from './loader.ts';
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
  expected: string;
  judge: (events: CheckEvent[]) => string | undefined;
}

const VARIANT_TIME_LIMIT_MS = 90_000;

function jobsFor(lab: Lab): Job[] {
  const results = (events: CheckEvent[]) => events.filter((e): e is Extract<CheckEvent, { type: 'result' }> => e.type === 'result');
  const done = (events: CheckEvent[]) => events.find((e) => e.type === 'done');
  const planMatches = (events: CheckEvent[]): string | undefined => {
    const plan = events.find((e) => e.type === 'plan');
    const ids = plan?.type === 'plan' ? plan.checks.map((c) => c.id).join(',') : '';
    return ids === lab.manifest.checks.map((c) => c.id).join(',') ? undefined : `the checker's plan (${ids || 'none'}) differs from lab.json`;
  };
  return [
    {
      lab, variant: 'starter', files: learnerFiles(lab, 'starter'), expected: 'fail',
      judge: (ev) => planMatches(ev) ?? (done(ev)?.type === 'done' && (done(ev) as { status: string }).status === 'fail' ? undefined : 'the starter must fail at least one check'),
    },
    {
      lab, variant: 'solution', files: learnerFiles(lab, 'solution'), expected: 'pass',
      judge: (ev) => {
        const bad = results(ev).filter((r) => r.status !== 'pass');
        return planMatches(ev) ?? (bad.length || !done(ev) ? `the solution must pass every check; ${bad.map((r) => `${r.check}: ${r.status}: ${r.message.split('\n')[0]}`).join('; ') || 'no done event'}` : undefined);
      },
    },
    ...lab.fixtures.map((f): Job => ({
      lab, variant: `fixture ${f.name}`, files: f.files, expected: `fail ${f.rejectedBy}`,
      judge: (ev) => {
        const named = results(ev).find((r) => r.check === f.rejectedBy);
        if (!named) return `no result for ${f.rejectedBy}`;
        return named.status === 'fail' ? undefined : `${f.rejectedBy} was ${named.status}: ${named.message.split('\n')[0]}`;
      },
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
  const dir = await mkdtemp(join(root, `${job.lab.id}-`));
  await writeWorkspace(dir, job.lab, job.files);
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
    try {
      events.push(JSON.parse(line) as CheckEvent);
    } catch {
      err += `\nnot a protocol line: ${line}`;
    }
  }
  const leftovers = await processesUnder(dir);
  for (const pid of leftovers) process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
  const verdict = events.length ? verdictOf(events) : `checker crashed (exit ${code})`;
  let note = events.length ? job.judge(events) : `the checker printed no events; stderr: ${err.trim().split('\n').slice(-3).join(' | ')}`;
  if (!note && leftovers.length) note = `${leftovers.length} process(es) outlived the check run`;
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
