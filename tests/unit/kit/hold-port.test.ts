// t.holdPort() and the `timing` of result events, run for real in both process models: a throwaway lab whose
// checks hold ports, start apps on them and report what they saw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkEvents } from '../support/check-output.ts';
import type { ResultEvent } from '../../../src/lab-model/check-events.ts';

const kit = pathToFileURL(resolve('labs/_kit/index.mjs')).href;

const CHECKS: Record<string, string> = {
  // The app has no 'error' handler: Node's crash report, not its own output.
  crashes: `async (t) => {
    const { port } = await t.holdPort();
    held.crashes = port;
    const app = t.start({ env: await t.env({ PORT: port }), command: 'node listen.js' });
    const exit = await app.waitForExit(5000);
    await app.exited;
    return JSON.stringify({ port, code: exit?.code, inUse: app.addressInUse(), crash: app.crash()?.error ?? null, own: app.ownLines() });
  }`,
  // Its own handler names the port: own output.
  handles: `async (t) => {
    const { port } = await t.holdPort();
    const app = t.start({ env: await t.env({ PORT: port, HANDLE: '1' }), command: 'node listen.js' });
    const exit = await app.waitForExit(5000);
    await app.exited;
    return JSON.stringify({ port, code: exit?.code, inUse: app.addressInUse(), crash: app.crash()?.error ?? null, said: app.said(/port/) ?? null });
  }`,
  // The previous checks' ports were released when they ended; release() frees one sooner; a chosen port.
  released: `async (t) => {
    const free = async (port) => new Promise((done) => { const s = createServer(); s.once('error', () => done(false)); s.listen(port, () => s.close(() => done(true))); });
    const earlier = await free(held.crashes);
    const chosen = await t.port();
    const hold = await t.holdPort({ port: chosen });
    const whileHeld = await free(chosen);
    await hold.release();
    await hold.release(); // twice is harmless
    return JSON.stringify({ earlier, chosen: hold.port === chosen, whileHeld, afterRelease: await free(chosen) });
  }`,
  taken: `async (t) => { const { port } = await t.holdPort(); await t.holdPort({ port }); return 'held twice'; }`,
  // Timing: the wait the check came closest to, among those that were met.
  // (Generous bounds: the share, not the machine's speed, decides which wait is closest.)
  timing: `Object.assign(async (t) => {
    const quick = t.start({ command: 'node -e "setTimeout(() => {}, 50)"', label: 'quick' });
    await quick.waitForExit(60000);
    const slow = t.start({ command: 'node -e "setTimeout(() => {}, 700)"', label: 'slow' });
    await slow.waitForExit(4000);
    const never = t.start({ command: 'node -e "setTimeout(() => {}, 5000)"', label: 'never' });
    await never.waitForExit(100); // not met: a wait that runs out is not a close call
    return 'timed';
  }, { timeLimit: 60000 })`,
  ready: `async (t) => { await t.startReady({ command: 'node listen.js' }); return 'answered'; }`,
};

const LISTEN = `import { createServer } from 'node:http';
const port = Number(process.env.PORT);
const server = createServer((q, s) => s.end('hi'));
if (process.env.HANDLE) server.on('error', () => { console.error('port ' + port + ' is taken'); process.exit(1); });
server.listen(port);
`;

let dir = '';
const runs: Record<string, Record<string, ResultEvent>> = {};

async function run(model: 'posix' | 'portable'): Promise<Record<string, ResultEvent>> {
  const stdout = await new Promise<string>((done) => execFile(process.execPath, ['lab/check.mjs'], { cwd: dir, env: { ...process.env, REDIS_URL: '', LAB_CALIBRATION_FACTOR: '4', LAB_PROCESS_MODEL: model } }, (_e, out) => done(out)));
  const results = checkEvents(stdout).filter((e): e is ResultEvent => e.type === 'result');
  return Object.fromEntries(results.map((e) => [e.check, e]));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kit-hold-'));
  const files: Record<string, string> = {
    'lab/lab.json': JSON.stringify({ id: '99-hold', commands: { start: 'node listen.js' }, env: {}, checks: Object.keys(CHECKS).map((id) => ({ id, title: `Check ${id}` })) }),
    'lab/check.mjs': `import { createServer } from 'node:net';\nimport { runLab } from '${kit}';\nconst held = {};\nawait runLab(new URL('./lab.json', import.meta.url), {\n${Object.entries(CHECKS).map(([id, body]) => `  '${id}': ${body},`).join('\n')}\n}, { cwd: process.cwd() });\n`,
    'package.json': JSON.stringify({ type: 'module' }),
    'listen.js': LISTEN,
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await symlink(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  // One after the other: the two runs would otherwise slow each other down.
  runs['posix'] = await run('posix');
  runs['portable'] = await run('portable');
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const seen = (model: string, id: string) => {
  const result = runs[model]?.[id];
  expect(result?.status, result?.message).toBe('pass');
  return JSON.parse(result!.message);
};

describe.each(['posix', 'portable'])('t.holdPort in the %s process model', (model) => {
  it('takes a port as another program would: an app without an error handler crashes, in Node\'s words, not its own', () => {
    const { port, code, inUse, crash, own } = seen(model, 'crashes');
    expect(code).toBe(1);
    expect(inUse).toBe(port);
    expect(crash).toMatch(new RegExp(`^Error: listen EADDRINUSE: address already in use .*:${port}$`));
    expect(own.join('\n')).not.toMatch(/EADDRINUSE/);
  });

  it('an app that handles the error says so in its own output, and has no crash', () => {
    const { port, code, inUse, crash, said } = seen(model, 'handles');
    expect(code).toBe(1);
    expect(crash).toBeNull();
    expect(said).toBe(`port ${port} is taken`);
    expect(inUse).toBeUndefined(); // its own words name no EADDRINUSE
  });

  it('is released when the check ends, or sooner with release(); a chosen port is held as asked', () => {
    expect(seen(model, 'released')).toEqual({ earlier: true, chosen: true, whileHeld: false, afterRelease: true });
  });

  it('a port that is already taken is the checker\'s own problem, said plainly', () => {
    expect(runs[model]?.['taken']?.status).toBe('error');
    expect(runs[model]?.['taken']?.message).toMatch(/t\.holdPort could not hold port \d+: listen EADDRINUSE/);
  });
});

describe.each(['posix', 'portable'])('result timing in the %s process model', (model) => {
  it('reports the met wait the check came closest to, with its idle figure and the bound it ran with', () => {
    const timing = runs[model]?.['timing']?.timing;
    expect(timing).toMatchObject({ wait: 'slow: waitForExit(4000)', idleMs: 4000, boundMs: 16000 }); // × the forced factor 4
    expect(timing!.observedMs).toBeGreaterThanOrEqual(650);
    expect(timing!.observedMs).toBeLessThan(16000);
  });

  it('startReady counts as a wait: how long the app took to answer', () => {
    const timing = runs[model]?.['ready']?.timing;
    expect(timing).toMatchObject({ wait: 'the app: startReady within 3000', idleMs: 3000, boundMs: 12000 });
    expect(timing!.observedMs).toBeGreaterThan(0);
  });
});
