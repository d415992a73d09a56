import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { announceWhenReady as announceUntyped, watchForOtherRedis as watchUntyped } from '../../../labs/_kit/launcher.mjs';
import { startRedisServer } from '../../../labs/_kit/redis-server.mjs';
import { canConnect, freePort } from '../../../labs/_kit/util.mjs';

interface Exit {
  code: number | null;
  signal?: string | null;
}
interface Instance {
  name: string;
  port: number;
  exited: Promise<Exit>;
}
const announceWhenReady = announceUntyped as unknown as (
  instances: Instance[],
  options: { deadlineMs?: number; log?: (line: string) => void; stopping?: () => boolean },
) => Promise<void>;

const watchForOtherRedis = watchUntyped as unknown as (redisUrl: string | undefined, log: (line: string) => void) => (line: string) => void;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  // SIGTERM first: a launcher forwards it to the app it started, so no app outlives the test.
  // SIGKILL would end the launcher alone and leave its app running with no parent.
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Starts `node -e source` with PORT set, as Run would start the learner's app. */
function app(source: string, port: number, name = 'the app'): Instance & { child: ChildProcess } {
  const child = spawn(process.execPath, ['-e', source], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  children.push(child);
  const exited = new Promise<Exit>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { name, port, child, exited };
}

async function announce(instances: Instance[], deadlineMs = 3000): Promise<string[]> {
  const lines: string[] = [];
  await announceWhenReady(instances, { deadlineMs, log: (line) => lines.push(line) });
  return lines;
}

const LISTEN_LATE = `setTimeout(() => require('node:http').createServer((q, s) => s.end('hi')).listen(process.env.PORT), 200);`;

describe('Run tells the learner where the app answers', () => {
  it('prints the address of an app once it listens on PORT', async () => {
    const port = await freePort();
    expect(await announce([app(LISTEN_LATE, port)])).toEqual([`[lab] The visitor counter answers at http://localhost:${port}/`]);
  });

  it('prints one line per instance', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const lines = await announce([app(LISTEN_LATE, a, 'instance A'), app(LISTEN_LATE, b, 'instance B')]);
    expect(lines.sort()).toEqual([`[lab] The visitor counter answers at http://localhost:${a}/`, `[lab] The visitor counter answers at http://localhost:${b}/`].sort());
  });

  it('says so in one line when the app exits before listening', async () => {
    const port = await freePort();
    const lines = await announce([app(`console.error('boom'); process.exit(3)`, port)]);
    expect(lines).toEqual([`[lab] The app exited with code 3 before listening on port ${port}. Read the error above, fix it, and press Run again.`]);
  });

  it('names what to check when nothing listens by the deadline, and leaves the app running', async () => {
    const port = await freePort();
    const other = await freePort();
    const instance = app(`require('node:http').createServer().listen(${other})`, port, 'instance B');
    const lines = await announce([instance], 600);
    expect(lines).toEqual([`[lab] Nothing answers on port ${port} after 0.6 s, though instance B is still running. Does it listen on process.env.PORT, and does its startup wait for something that never comes?`]);
    expect(instance.child.exitCode).toBeNull();
    expect(instance.child.signalCode).toBeNull();
  });

  it('stays quiet about an app the learner stopped', async () => {
    const port = await freePort();
    const instance = app('setInterval(() => {}, 1000)', port);
    const announced = announceWhenReady([instance], { deadlineMs: 3000, log: (line) => expect.unreachable(line), stopping: () => true });
    instance.child.kill('SIGTERM');
    await announced;
  });
});

const APP_ANSWERS_HI = `${LISTEN_LATE} process.on('SIGTERM', () => process.exit(0));`;

/**
 * Starts the real launcher (labs/_kit/launcher.mjs) in a fresh folder holding `app` as app.js and a manifest
 * with `manifestEnv`; the process gets `env` on top of this test's environment without PORT. REDIS_URL
 * is given unless `env` removes it (undefined), so the launcher starts no embedded Redis (the apps here never connect to it).
 */
async function launchRun(app: string, manifestEnv: Record<string, string>, env: Record<string, string | undefined> = {}, { argv = [] as string[], files = {} as Record<string, string> } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'run-'));
  dirs.push(dir);
  await writeFile(join(dir, 'app.js'), app);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'lab.json'), JSON.stringify({ commands: { start: 'node app.js' }, env: manifestEnv }));
  const runner = pathToFileURL(resolve('labs/_kit/launcher.mjs')).href;
  const manifest = pathToFileURL(join(dir, 'lab.json')).href;
  const { PORT: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import { launch } from '${runner}'; await launch(new URL('${manifest}'), { argv: ${JSON.stringify(argv)} });`], {
    cwd: dir,
    env: { ...inherited, REDIS_URL: 'redis://127.0.0.1:9', ...env },
  });
  children.push(child);
  const output = { out: '', err: '' };
  child.stdout.on('data', (chunk) => (output.out += chunk));
  child.stderr.on('data', (chunk) => (output.err += chunk));
  return { child, output };
}

describe('launch', () => {
  it('runs the manifest start command on PORT and announces it; Stop ends it', async () => {
    const port = await freePort();
    const { child, output } = await launchRun(APP_ANSWERS_HI, { PORT: '1' }, { PORT: String(port) });
    const url = `http://localhost:${port}/`;
    await expect.poll(() => output.out, { timeout: 5000, interval: 50 }).toContain(`[lab] The visitor counter answers at ${url}`);
    expect(await (await fetch(url)).text()).toBe('hi');
    child.kill('SIGTERM');
    const code = await new Promise((done) => child.on('exit', done));
    expect(code).toBe(0);
    expect(output.out).not.toContain('before listening');
  });

  it('starts the app on the default port the runner gave this session, not the manifest’s', async () => {
    const port = await freePort();
    const { output } = await launchRun(APP_ANSWERS_HI, { PORT: '1' }, { LAB_DEFAULT_PORT: String(port) });
    await expect.poll(() => output.out, { timeout: 5000, interval: 50 }).toContain(`[lab] The visitor counter answers at http://localhost:${port}/`);
  });

  it("moves to a free port when the manifest's default port is taken, and says so", async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((done) => blocker.once('listening', done));
    const busy = (blocker.address() as AddressInfo).port;
    try {
      const { output } = await launchRun(APP_ANSWERS_HI, { PORT: String(busy) });
      await expect.poll(() => output.out, { timeout: 5000, interval: 50 }).toMatch(/answers at http:\/\/localhost:(\d+)\//);
      expect(output.out).toContain(`[lab] Port ${busy} is taken`);
      const moved = Number(/answers at http:\/\/localhost:(\d+)\//.exec(output.out)?.[1]);
      expect(moved).not.toBe(busy);
      expect(await (await fetch(`http://localhost:${moved}/`)).text()).toBe('hi');
    } finally {
      blocker.close();
    }
  });
});

describe("launch with the lab session's Redis (LAB_SESSION_REDIS_URL)", () => {
  /** An app that reports the Redis it was given and whether the session's variable reached it. */
  const REPORTS = `console.log('seen ' + JSON.stringify({ redis: process.env.REDIS_URL ?? null, session: process.env.LAB_SESSION_REDIS_URL ?? null })); ${APP_ANSWERS_HI}`;
  const seen = (out: string): { redis: string | null; session: string | null } => JSON.parse(/^seen (.*)$/m.exec(out)![1]!);
  const stop = async (child: ChildProcess): Promise<void> => {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  };

  it('gives the app the session’s Redis when REDIS_URL is unset, does not pass the variable on, and leaves that Redis running at Stop', async () => {
    const session = await startRedisServer();
    try {
      const port = session.url.replace(/.*:(\d+).*/, '$1');
      const { child, output } = await launchRun(REPORTS, {}, { REDIS_URL: undefined, LAB_SESSION_REDIS_URL: session.url, PORT: String(await freePort()) });
      await expect.poll(() => output.out, { timeout: 10_000, interval: 50 }).toContain('answers at');
      expect(output.out).toContain(`[lab] Using this lab session's Redis at ${session.url} (shared with the terminal and the Run menu's tasks; the count stays when Run stops).`);
      expect(output.out).not.toContain('embedded Redis');
      expect(seen(output.out)).toEqual({ redis: session.url, session: null });
      await stop(child);
      expect(await canConnect(Number(port))).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('starts an embedded Redis of its own, and says so, when the session’s Redis does not answer', async () => {
    const gone = `redis://127.0.0.1:${await freePort()}`;
    const { child, output } = await launchRun(REPORTS, {}, { REDIS_URL: undefined, LAB_SESSION_REDIS_URL: gone, PORT: String(await freePort()) });
    await expect.poll(() => output.out, { timeout: 10_000, interval: 50 }).toContain('answers at');
    expect(output.out).toContain(`[lab] This lab session's Redis at ${gone} does not answer, so Run starts an embedded Redis of its own`);
    const embedded = /\[lab\] Using the embedded Redis at (redis:\/\/\S+) \(data lasts until Run stops\)\./.exec(output.out)?.[1];
    expect(embedded, output.out).toBeDefined();
    expect(seen(output.out)).toEqual({ redis: embedded, session: null });
    await stop(child);
  });

  it('lets REDIS_URL win over the session’s Redis, and still keeps the variable from the app', async () => {
    const { child, output } = await launchRun(REPORTS, {}, { LAB_SESSION_REDIS_URL: 'redis://127.0.0.1:1', PORT: String(await freePort()) });
    await expect.poll(() => output.out, { timeout: 10_000, interval: 50 }).toContain('answers at');
    expect(output.out).toContain('[lab] Using the Redis at REDIS_URL (redis://127.0.0.1:9).');
    expect(seen(output.out)).toEqual({ redis: 'redis://127.0.0.1:9', session: null });
    await stop(child);
  });
});

describe('launch --formation', { timeout: 90_000 }, () => {
  const WORKER = `console.log(JSON.stringify({ msg: 'working', dyno: process.env.DYNO, port: process.env.PORT ?? null })); const t = setInterval(() => {}, 1000); process.on('SIGTERM', () => { clearInterval(t); process.exit(0); });`;
  const SAYS_WHO = `console.log('I am ' + process.env.DYNO); ${APP_ANSWERS_HI}`;

  // Generous polls: on a machine shared by many test runs a Node process can take seconds to start.
  it('starts each Procfile type as many times as asked, names each process in DYNO and in front of its lines, and gives ports to web only', async () => {
    const port = await freePort();
    const { child, output } = await launchRun(SAYS_WHO, { PORT: '1' }, { LAB_DEFAULT_PORT: String(port) }, {
      argv: ['--formation', 'web=1,worker=2'],
      files: { Procfile: '# the process types\nweb: node app.js\nworker: node worker.js\n', 'worker.js': WORKER },
    });
    await expect.poll(() => output.out, { timeout: 30_000, interval: 50 }).toContain(`[lab] The visitor counter answers at http://localhost:${port}/`);
    await expect.poll(() => output.out.split('"msg":"working"').length - 1, { timeout: 30_000, interval: 50 }).toBe(2);
    expect(output.out).toContain('[web.1] I am web.1');
    expect(output.out).toContain('[worker.1] {"msg":"working","dyno":"worker.1","port":null}');
    expect(output.out).toContain('[worker.2] {"msg":"working","dyno":"worker.2","port":null}');
    expect(output.out).toContain(`[lab] web.1: node app.js on port ${port}`);
    child.kill('SIGTERM');
    expect(await new Promise((done) => child.on('exit', done))).toBe(0);
    expect(output.out).not.toContain('exited with code');
  });

  it('says when one process of the formation ends while the others keep running', async () => {
    const { child, output } = await launchRun(APP_ANSWERS_HI, {}, {}, {
      argv: ['--formation', 'web=0,worker=2'],
      files: { Procfile: 'web: node app.js\nworker: node worker.js\n', 'worker.js': `if (process.env.DYNO === 'worker.2') process.exit(3); ${WORKER}` },
    });
    await expect.poll(() => output.out, { timeout: 30_000, interval: 50 }).toContain('[lab] worker.2 exited with code 3; the other processes keep running.');
    expect(output.out).toContain('[worker.1] {"msg":"working"');
    expect(output.out).not.toContain('answers at');
    child.kill('SIGTERM');
    expect(await new Promise((done) => child.on('exit', done))).toBe(3);
  });

  it('refuses a formation it cannot start, saying why', async () => {
    const run = async (argv: string[], files: Record<string, string>) => {
      const { child, output } = await launchRun(APP_ANSWERS_HI, {}, {}, { argv, files });
      const code = await new Promise((done) => child.on('exit', done));
      return { code, out: output.out };
    };
    expect(await run(['--formation', 'web=1,worker=2'], {})).toEqual({ code: 1, out: expect.stringContaining('There is no Procfile') });
    expect(await run(['--formation', 'web=1,worker=2'], { Procfile: 'web: node app.js\n' })).toEqual({
      code: 1,
      out: expect.stringContaining('The Procfile has no "worker" process type; it declares web. Add a line such as "worker: node worker.js".'),
    });
    expect(await run(['--formation', 'web:1'], { Procfile: 'web: node app.js\n' })).toEqual({ code: 1, out: expect.stringContaining('--formation expects process types with counts, such as web=1,worker=2, not "web:1"') });
  });
});

describe('Run notices an app that ignores the REDIS_URL it was given', () => {
  const refused = (address: string) => `{"level":"error","msg":"redis","error":"connect ECONNREFUSED ${address}"}`;
  const watch = (url: string | undefined, lines: string[]) => {
    const said: string[] = [];
    const onLine = watchForOtherRedis(url, (line) => said.push(line));
    lines.forEach(onLine);
    return said;
  };

  it('says once which Redis the app tries instead, with the password hidden', () => {
    expect(watch('redis://:pw@127.0.0.1:41234', [refused('127.0.0.1:6379'), refused('127.0.0.1:6379'), '[ioredis] Unhandled error event: Error: getaddrinfo ENOTFOUND redis'])).toEqual([
      '[lab] The app is trying Redis at 127.0.0.1:6379, but Run gave it REDIS_URL=redis://:***@127.0.0.1:41234 — does it read process.env.REDIS_URL?',
    ]);
  });

  it('names a host it could not even find', () => {
    expect(watch('redis://127.0.0.1:41234', ['[ioredis] Unhandled error event: Error: getaddrinfo ENOTFOUND redis.internal'])).toEqual([
      '[lab] The app is trying Redis at redis.internal, but Run gave it REDIS_URL=redis://127.0.0.1:41234 — does it read process.env.REDIS_URL?',
    ]);
  });

  it('stays quiet when the Redis it cannot reach is the one it was given, or the error is not about Redis', () => {
    expect(watch('redis://localhost:41234', [refused('127.0.0.1:41234'), refused('[::1]:41234')])).toEqual([]);
    expect(watch('redis://127.0.0.1:41234', ['fetch failed: connect ECONNREFUSED 127.0.0.1:8080'])).toEqual([]);
    expect(watch(undefined, [refused('127.0.0.1:6379')])).toEqual([]);
  });

  it('prints the hint once in the launcher’s output while the app keeps failing', async () => {
    const error = refused('127.0.0.1:6379').replace(/"/g, '\\"');
    const app = `${LISTEN_LATE} let n = 0; const t = setInterval(() => { console.error("${error}"); if (++n === 3) clearInterval(t); }, 20); process.on('SIGTERM', () => process.exit(0));`;
    const { child, output } = await launchRun(app, {}, { PORT: String(await freePort()) });
    await expect.poll(() => output.err.split('ECONNREFUSED').length - 1, { timeout: 5000, interval: 50 }).toBe(3);
    await expect.poll(() => output.out, { timeout: 5000, interval: 50 }).toContain('answers at');
    const hints = output.out.split('\n').filter((line) => line.includes('is trying Redis'));
    expect(hints).toEqual(['[lab] The app is trying Redis at 127.0.0.1:6379, but Run gave it REDIS_URL=redis://127.0.0.1:9 — does it read process.env.REDIS_URL?']);
    child.kill('SIGTERM');
    await new Promise((done) => child.on('exit', done));
  });
});
