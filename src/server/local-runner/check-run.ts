/**
 * Runs the lab's checker in the workspace and streams its NDJSON events to the response as they come.
 * The response always ends with a `done` event: when the checker hangs past the limit, crashes or is
 * cancelled, the runner writes the verdict itself, naming what happened, so a page never waits forever.
 */
import type { ServerResponse } from 'node:http';
import { parseCheckEvent, type CheckEvent } from '../../lab-model/check-events.ts';
import type { SessionProcesses } from './lab-processes.ts';

export interface CheckRunOptions {
  cwd: string;
  env: Record<string, string>;
  /** argv of the checker (see checker-copy.ts: it runs from a fresh copy outside the workspace). */
  argv: [string, ...string[]];
  timeoutMs: number;
  processes: SessionProcesses;
  /** This run's role in the session (`check-1`, …): everything it starts carries it. */
  role: string;
  /**
   * Ends the run early. Aborted with reason `'stopped'` (the learner pressed Stop) the verdict says so;
   * with any other reason the page went away and nothing more is written.
   */
  signal: AbortSignal;
}

export async function runCheck(res: ServerResponse, options: CheckRunOptions): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  const send = (event: CheckEvent): void => void res.write(`${JSON.stringify(event)}\n`);
  const planned: string[] = [];
  const results = new Map<string, 'pass' | 'fail' | 'error'>();
  let done = false;
  let stderrTail = '';
  let pending = '';

  const onLine = (line: string): void => {
    if (done || line.trim() === '') return;
    const event = parseCheckEvent(line);
    if (!event) {
      // Stray output (a console.log in a helper) stays visible in the transcript instead of vanishing.
      send({ v: 1, type: 'log', check: '', source: 'checker', text: line });
      return;
    }
    if (event.type === 'plan') planned.push(...event.checks.map((c) => c.id));
    if (event.type === 'result') results.set(event.check, event.status);
    if (event.type === 'done') done = true;
    send(event);
  };

  const child = options.processes.spawn(options.role, options.argv, { cwd: options.cwd, env: options.env });
  const stopAll = (graceMs: number): Promise<number> =>
    options.processes.stop((role) => role === options.role, child.pid === undefined ? [] : [child.pid], { graceMs });
  child.stdin?.end();
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-2_000);
  });

  let why: 'timeout' | 'stopped' | 'gone' | undefined;
  const stop = (reason: 'timeout' | 'stopped' | 'gone'): void => {
    why ??= reason;
    void stopAll(500);
  };
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stop(options.signal.reason === 'stopped' ? 'stopped' : 'gone');
  options.signal.addEventListener('abort', onAbort, { once: true });

  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (exitCode) => resolve(exitCode));
    child.once('error', () => resolve(null));
  });
  clearTimeout(timer);
  options.signal.removeEventListener('abort', onAbort);
  // The checker promises that no process outlives it; make sure, whatever it did. Then its pipes close.
  await stopAll(500);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  if (pending) onLine(pending);

  if (!done && why !== 'gone') {
    const seconds = Math.round(options.timeoutMs / 1000);
    const message =
      why === 'stopped'
        ? 'The checks were stopped before they finished.'
        : why === 'timeout'
        ? `The checks did not finish within ${seconds} s and were stopped. The app may be stuck in a loop or waiting forever: look at its output, fix it and check again.`
        : `The checker stopped without a verdict (exit code ${code ?? 'none'}).${stderrTail.trim() ? ` Its last output: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
    const unfinished = planned.filter((id) => !results.has(id));
    for (const check of unfinished) send({ v: 1, type: 'result', check, status: 'error', message, hints: [], ms: 0 });
    if (unfinished.length === 0) send({ v: 1, type: 'log', check: '', source: 'checker', text: message });
    const count = (status: string): number => [...results.values()].filter((s) => s === status).length;
    send({
      v: 1,
      type: 'done',
      status: 'error',
      passed: count('pass'),
      failed: count('fail'),
      errored: count('error') + Math.max(unfinished.length, 1),
    });
  }
  res.end();
}
