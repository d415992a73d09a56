import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startApp as startAppUntyped } from '../../../labs/_kit/app.mjs';
import { request, describe as describeResponse } from '../../../labs/_kit/http.mjs';
import { checkEvents } from '../support/check-output.ts';
import { freePort } from '../../../labs/_kit/util.mjs';

interface AppHandle {
  exit?: { code: number | null; signal: string | null };
  exited: Promise<unknown>;
  waitForLine(pattern: RegExp, ms: number): Promise<{ text: string } | undefined>;
  waitForPort(port: number, ms: number): Promise<boolean>;
  json(): unknown[];
  lastOutput(n?: number): string;
  errorLine(): string | undefined;
  stop(): Promise<void>;
  kill(): Promise<void>;
}
const startApp = startAppUntyped as unknown as (options: { command: string; cwd: string; env?: Record<string, string> }) => AppHandle;

const kit = pathToFileURL(resolve('labs/_kit/index.mjs')).href;
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kit-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

// A killed process may linger as a zombie until its new parent reaps it; that one is gone all the same.
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !existsSync(`/proc/${pid}/stat`) || !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
};

/** Runs a check.mjs in `dir` and returns its exit code and parsed events. */
function check(dir: string, factor: string | undefined = '1'): Promise<{ code: number | null; events: Array<Record<string, unknown>> }> {
  const env: NodeJS.ProcessEnv = { ...process.env, LAB_CALIBRATION_FACTOR: factor };
  if (factor === undefined) delete env['LAB_CALIBRATION_FACTOR'];
  return new Promise((done) => {
    execFile(process.execPath, ['lab/check.mjs'], { cwd: dir, env }, (error, stdout) => {
      const code = error ? (error as { code?: number }).code ?? null : 0;
      done({ code, events: checkEvents(stdout) as unknown as Array<Record<string, unknown>> });
    });
  });
}

const manifest = (checks: string[]) =>
  JSON.stringify({ id: '99-test', commands: { start: 'node app.js' }, checks: checks.map((id) => ({ id, title: `Check ${id}` })) });

describe('checker kit', () => {
  it('kills the whole process tree of an app, grandchildren included', async () => {
    const dir = await workspace({
      'app.js': `const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`,
    });
    const app = startApp({ command: 'node app.js', cwd: dir });
    const line = await app.waitForLine(/^\d+$/, 3000);
    const grandchild = Number(line?.text);
    expect(alive(grandchild)).toBe(true);
    await app.kill();
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
    expect(app.exit?.signal).toBe('SIGKILL');
  });

  it('waits for a port with a deadline and reports a refused connection', async () => {
    const port = await freePort();
    const dir = await workspace({ 'app.js': `setTimeout(() => require('node:http').createServer((q, s) => s.end('hi')).listen(process.env.PORT), 200);` });
    const app = startApp({ command: 'node app.js', cwd: dir, env: { PORT: String(port) } });
    expect(describeResponse(await request(port, '/'))).toBe('a refused connection (ECONNREFUSED)');
    expect(await app.waitForPort(port, 3000)).toBe(true);
    expect(describeResponse(await request(port, '/'))).toBe('200 "hi"');
    await app.stop();
  });

  it('shows repeated output lines once with a count, and finds the line that names the error', async () => {
    const dir = await workspace({ 'app.js': `console.error('start'); for (let i = 0; i < 5; i++) console.error('retrying'); console.error('TypeError: x is not a function'); console.error('    at app.js:1');` });
    const app = startApp({ command: 'node app.js', cwd: dir });
    await app.exited;
    expect(app.lastOutput(8)).toContain('start\nretrying  (5 times)\n');
    expect(app.lastOutput(2)).toMatch(/^TypeError: x is not a function\n    at app\.js:1$/);
    expect(app.errorLine()).toBe('TypeError: x is not a function');
  });

  it('gives the app only the environment the check chooses', async () => {
    process.env['SHOULD_NOT_LEAK'] = 'x';
    const dir = await workspace({ 'app.js': `console.log(JSON.stringify({ leak: process.env.SHOULD_NOT_LEAK ?? null, mine: process.env.MINE }))` });
    const app = startApp({ command: 'node app.js', cwd: dir, env: { MINE: 'yes' } });
    await app.exited;
    expect(app.json()).toEqual([{ leak: null, mine: 'yes' }]);
    delete process.env['SHOULD_NOT_LEAK'];
  });

  it('reports pass, fail, a crash and a hang with the protocol, and exits 1 on a failure', async () => {
    const dir = await workspace({
      'app.js': `console.log('booting'); if (process.env.MODE === 'crash') { console.error('boom: missing thing'); process.exit(3); } setInterval(() => {}, 1000);`,
      'lab/lab.json': manifest(['passes', 'fails', 'crashes', 'hangs']),
      'lab/check.mjs': `import { runLab } from '${kit}';
const hang = async (t) => { t.start({ env: { MODE: 'hang' } }); await new Promise(() => {}); };
hang.timeLimit = 2000; // long enough for Node to start and print on a loaded machine
await runLab(new URL('./lab.json', import.meta.url), {
  passes: async () => 'all good',
  fails: async (t) => { throw t.fail({ message: 'did X, expected Y, got Z', expected: 'Y', actual: 'Z', hints: ['try W'] }); },
  crashes: async (t) => { const app = t.start({ env: { MODE: 'crash' } }); await app.waitForPort(await t.port(), 2000); },
  hangs: hang,
});`,
    });
    const { code, events } = await check(dir);
    expect(code).toBe(1);
    expect(events[0]).toMatchObject({ v: 1, type: 'plan', lab: '99-test', checks: [{ id: 'passes', title: 'Check passes' }, { id: 'fails' }, { id: 'crashes' }, { id: 'hangs' }] });
    const results = Object.fromEntries(events.filter((e) => e['type'] === 'result').map((e) => [e['check'], e]));
    expect(results['passes']).toMatchObject({ status: 'pass', message: 'all good', hints: [] });
    expect(results['fails']).toMatchObject({ status: 'fail', message: 'did X, expected Y, got Z', expected: 'Y', actual: 'Z', hints: ['try W'] });
    expect(results['crashes']).toMatchObject({ status: 'error' });
    expect(results['crashes']?.['message']).toMatch(/^The app exited with code 3 before listening on port \d+\. The check could not run\.\nThe app's last output:\nbooting\nboom: missing thing/);
    expect(results['hangs']).toMatchObject({ status: 'error' });
    expect(results['hangs']?.['message']).toMatch(/did not finish within 2 s; the app seems to hang\.\nThe app's last output:\nbooting/);
    expect(events.at(-1)).toEqual({ v: 1, type: 'done', status: 'fail', passed: 1, failed: 1, errored: 2 });
    expect(events.filter((e) => e['type'] === 'log' && e['source'] === 'app').length).toBeGreaterThan(0);
  });

  it('lets the check that started a shared run tell its failure; the others say briefly they could not run', async () => {
    const dir = await workspace({
      'app.js': `console.log('booting'); console.error('boom: missing thing'); process.exit(3);`,
      'lab/lab.json': manifest(['crash-owner', 'crash-dependent', 'fail-owner', 'fail-dependent', 'hang-owner', 'hang-dependent', 'ok-owner', 'ok-dependent']),
      'lab/check.mjs': `import { runLab } from '${kit}';
const crashRun = (t) => t.once('crash', async () => { const app = t.start(); await app.waitForPort(await t.port(), 2000); });
const failRun = (t) => t.once('fail', async () => { throw t.fail({ message: 'the long story', expected: 'Y', actual: 'Z', summary: 'the app never answered' }); });
const hangRun = (t) => t.once('hang', () => new Promise(() => {}));
let runs = 0;
const okRun = (t) => t.once('ok', async () => ++runs);
const hangOwner = (t) => hangRun(t);
hangOwner.timeLimit = 300;
await runLab(new URL('./lab.json', import.meta.url), {
  'crash-owner': crashRun,
  'crash-dependent': crashRun,
  'fail-owner': failRun,
  'fail-dependent': failRun,
  'hang-owner': hangOwner,
  'hang-dependent': hangRun,
  'ok-owner': async (t) => \`run \${await okRun(t)}\`,
  'ok-dependent': async (t) => \`run \${await okRun(t)} of \${runs}\`,
});`,
    });
    const { code, events } = await check(dir);
    expect(code).toBe(1);
    const results = Object.fromEntries(events.filter((e) => e['type'] === 'result').map((e) => [e['check'], e]));
    expect(results['crash-owner']?.['message']).toMatch(/^The app exited with code 3 before listening on port \d+\. The check could not run\.\nThe app's last output:\nbooting\nboom: missing thing$/);
    expect(results['crash-dependent']).toMatchObject({ status: 'error', hints: [] });
    expect(results['crash-dependent']?.['message']).toMatch(/^Not run: the app exited with code 3 before listening on port \d+ \(see “Check crash-owner”\)\.$/);
    expect(results['fail-owner']).toMatchObject({ status: 'fail', message: 'the long story', expected: 'Y', actual: 'Z' });
    expect(results['fail-dependent']).toMatchObject({ status: 'error', message: 'Not run: the app never answered (see “Check fail-owner”).', hints: [] });
    expect(results['fail-dependent']).not.toHaveProperty('expected');
    expect(results['hang-owner']).toMatchObject({ status: 'error' });
    expect(results['hang-dependent']).toMatchObject({ status: 'error', message: 'Not run: the run did not finish within 0.3 s (see “Check hang-owner”).' });
    expect(results['hang-dependent']?.['ms']).toBeLessThan(200);
    expect(results['ok-owner']).toMatchObject({ status: 'pass', message: 'run 1' });
    expect(results['ok-dependent']).toMatchObject({ status: 'pass', message: 'run 1 of 1' });
    // The transcript belongs to the check that did the work.
    const logged = new Set(events.filter((e) => e['type'] === 'log').map((e) => e['check']));
    expect(logged.has('crash-owner')).toBe(true);
    expect(logged.has('crash-dependent')).toBe(false);
    expect(events.at(-1)).toEqual({ v: 1, type: 'done', status: 'fail', passed: 2, failed: 1, errored: 5 });
  });

  it('exits 2 when the checks cannot run and 0 when all pass', async () => {
    const broken = await workspace({ 'app.js': '', 'lab/lab.json': manifest(['a', 'b']), 'lab/check.mjs': `import { runLab } from '${kit}';\nawait runLab(new URL('./lab.json', import.meta.url), { a: async () => 'ok' });` });
    const { code, events } = await check(broken);
    expect(code).toBe(2);
    expect(events.find((e) => e['type'] === 'result')?.['message']).toBe('The checks could not start: check.mjs and lab.json disagree: no implementation for b.');
    const fine = await workspace({ 'app.js': '', 'lab/lab.json': manifest(['a']), 'lab/check.mjs': `import { runLab } from '${kit}';\nawait runLab(new URL('./lab.json', import.meta.url), { a: async () => 'ok' });` });
    expect((await check(fine)).code).toBe(0);
  });

  it('measures the machine once per run, says so in the plan, and scales bounds by it (never below the idle figure)', async () => {
    const dir = await workspace({
      'app.js': 'setInterval(() => {}, 1000);',
      'lab/lab.json': manifest(['bound']),
      'lab/check.mjs': `import { runLab } from '${kit}';
await runLab(new URL('./lab.json', import.meta.url), { bound: async (t) => JSON.stringify({ budget: t.budget(2000), bound: t.bound(2000), factor: t.calibration.factor }) });`,
    });
    const started = performance.now();
    const { events } = await check(dir, undefined);
    const plan = events[0] as { calibration: { factor: number; baselineMs: number; referenceMs: number } };
    expect(plan.calibration.referenceMs).toBe(90);
    expect(plan.calibration.baselineMs).toBeGreaterThan(0);
    expect(plan.calibration.factor).toBeGreaterThanOrEqual(1);
    expect(plan.calibration.factor).toBeLessThanOrEqual(10);
    const seen = JSON.parse(String(events.find((e) => e['type'] === 'result')?.['message']));
    expect(seen.factor).toBe(plan.calibration.factor);
    expect(seen.budget).toBe(Math.round(2000 * plan.calibration.factor));
    expect(seen.bound).toMatch(plan.calibration.factor === 1 ? /^2 s$/ : /on this machine right now \(2 s × [\d.]+/);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('on a machine too busy to judge time, being slower than the bound but within what the machine explains is "could not judge"; slower still, or wrong, stays a failure', async () => {
    const dir = await workspace({
      'app.js': 'setInterval(() => {}, 1000);',
      'lab/lab.json': manifest(['slow', 'too-slow', 'wrong']),
      'lab/check.mjs': `import { runLab } from '${kit}';
await runLab(new URL('./lab.json', import.meta.url), {
  slow: async (t) => { throw t.fail({ message: 'First answer after 9 s, bound 2 s.', timing: { observedMs: 9000, idleMs: 2000 } }); },
  'too-slow': async (t) => { throw t.fail({ message: 'First answer after 95 s, bound 2 s.', timing: { observedMs: 95000, idleMs: 2000 } }); },
  wrong: async (t) => { throw t.fail({ message: 'Answered 7, expected 8.' }); },
});`,
    });
    const { events } = await check(dir, '40');
    expect(events[0]).toMatchObject({ calibration: { factor: 10, measured: 40, overloaded: true, baselineMs: 3600, referenceMs: 90 } });
    const results = Object.fromEntries(events.filter((e) => e['type'] === 'result').map((e) => [e['check'], e]));
    expect(results['slow']).toMatchObject({ status: 'error' });
    expect(results['slow']?.['message']).toBe('Could not judge: First answer after 9 s, bound 2 s — but this machine is too busy right now to tell a slow app from a slow machine: a minimal app took 3.6 s to start and answer, 40× what it takes on an idle machine. Run the checks again when the machine is less busy.');
    expect(results['too-slow']).toMatchObject({ status: 'fail' }); // slower than even this machine explains
    expect(results['wrong']).toMatchObject({ status: 'fail', message: 'Answered 7, expected 8.' });
  });
});
