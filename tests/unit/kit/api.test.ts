// The kit API a check.mjs uses, run for real: a throwaway lab whose checks exercise each part of `t` and
// report what they saw as their pass message, which the tests then read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkEvents } from '../support/check-output.ts';
import { pathToFileURL } from 'node:url';
import { createServer, type AddressInfo, type Server } from 'node:net';

const kit = pathToFileURL(resolve('labs/_kit/index.mjs')).href;

const CHECKS: Record<string, string> = {
  env: `async (t) => JSON.stringify(await t.env({ GREETING: undefined, EXTRA: 7 }))`,
  instances: `async (t) => {
    const a = t.start({ env: await t.env(), instance: 'A', command: 'node disk.js', label: 'A' });
    const b = t.start({ env: await t.env(), instance: 'B', command: 'node disk.js', label: 'B' });
    const again = t.start({ env: await t.env(), instance: 'A', command: 'node disk.js', label: 'A again' });
    await Promise.all([a.exited, b.exited]);
    await again.exited;
    return JSON.stringify({ a: a.jsonLines(), b: b.jsonLines(), again: again.jsonLines(), inWorkspace: (await t.read('visits.txt')) ?? null });
  }`,
  instanceDir: `async (t) => {
    const { dir, env } = t.instance('C');
    const { writeFileSync, existsSync } = await import('node:fs');
    writeFileSync(dir + '/visits.txt', '41');
    const run = await t.exec('node disk.js', { instance: 'C' });
    writeFileSync(dir + '/only-here.js', "import { createServer } from 'node:http'; createServer((q, s) => s.end('only here')).listen(Number(process.env.PORT));");
    const ready = await t.startReady({ cwd: dir, command: 'node only-here.js' });
    await ready.app.kill();
    return JSON.stringify({ dir, tmp: env.TMPDIR, run: run.json, copied: existsSync(dir + '/disk.js'), inWorkspace: (await t.read('visits.txt')) ?? null, elsewhere: ready.response.body });
  }`,
  exec: `async (t) => {
    const direct = await t.exec('npm run hello -- --name=x');
    const shell = await t.exec('npm run both');
    const slow = await t.exec('node -e "setTimeout(() => {}, 5000)"', { timeout: 200 });
    return JSON.stringify({ direct: { code: direct.code, stdout: direct.stdout, json: direct.json, command: direct.app.command }, shell: shell.stdout, slow: { timedOut: slow.timedOut, code: slow.code } });
  }`,
  missing: `async (t) => { t.start({ command: 'npm run nope' }); return 'started'; }`,
  scale: `async (t) => {
    const { web, worker } = await t.scale({ web: 2, worker: 1 });
    const answers = [];
    for (const app of web) { await app.waitForPort(app.port, 5000); answers.push((await request(app.port, '/')).body); }
    await worker[0].waitForLine(/working/, 5000);
    return JSON.stringify({ ports: web.map((a) => a.port), answers, worker: worker[0].ownLines(), labels: [...web, ...worker].map((a) => a.label) });
  }`,
  snapshot: `async (t) => {
    const before = t.snapshot();
    await t.exec('node disk.js');
    return JSON.stringify(t.changedSince(before));
  }`,
  watch: `async (t) => {
    const watcher = await t.redis.watch();
    const run = await t.exec('node counter.js', { env: await t.env({ REDIS_URL: watcher.url, HOW: 'quit' }) });
    const abrupt = await t.exec('node counter.js', { env: await t.env({ REDIS_URL: watcher.url, HOW: 'exit-pending' }) });
    return JSON.stringify({ out: run.stdout, connections: watcher.connections.map((c) => ({ names: c.commands.map((x) => x.name), quit: c.quit, clean: c.closedCleanly, unanswered: c.unanswered, reset: c.reset ?? false, by: c.closedBy })), abrupt: abrupt.code });
  }`,
  pause: `async (t) => {
    const watcher = await t.redis.watch();
    await watcher.pause();
    const down = await t.exec('node counter.js', { env: await t.env({ REDIS_URL: watcher.url, HOW: 'once' }) });
    await watcher.resume();
    const up = await t.exec('node counter.js', { env: await t.env({ REDIS_URL: watcher.url, HOW: 'once' }) });
    return JSON.stringify({ down: down.stdout.concat(down.stderr).join(' '), up: up.stdout });
  }`,
  secured: `async (t) => {
    const redis = await t.redis.secured();
    const right = await t.exec('node counter.js', { env: await t.env({ REDIS_URL: redis.url, HOW: 'once' }) });
    const url = new URL(redis.url);
    const noPassword = new URL(redis.url); noPassword.password = '';
    const noDb = new URL(redis.url); noDb.pathname = '';
    const bare = await t.exec('node counter.js', { env: await t.env({ REDIS_URL: noPassword.toString(), HOW: 'once' }) });
    const db0 = await t.exec('node counter.js', { env: await t.env({ REDIS_URL: noDb.toString(), HOW: 'once' }) });
    return JSON.stringify({ db: redis.db, password: redis.password.length, host: url.hostname, right: right.stdout, bare: bare.stdout.concat(bare.stderr).join(' '), db0: db0.stdout.concat(db0.stderr).join(' '), entries: await redis.entries() });
  }`,
  held: `async (t) => { await t.startReady({ command: 'node held.js' }); return 'answered'; }`,
  crashes: `async (t) => { await t.startReady({ command: 'node broken.js' }); return 'answered'; }`,
  follow: `async (t) => {
    const watcher = await t.redis.watch();
    const seen = {};
    for (const how of ['quit', 'disconnect-alive', 'exit-open']) {
      const app = t.start({ env: await t.env({ REDIS_URL: watcher.url, HOW: how }), command: 'node closer.js', label: how });
      watcher.follow(app);
      await app.exited;
      await new Promise((r) => setTimeout(r, 50));
      const c = watcher.connections.at(-1);
      seen[how] = { quit: c.quit, clean: c.closedCleanly, appAlive: c.appAlive, unanswered: c.unanswered };
    }
    return JSON.stringify(seen);
  }`,
};

// Closes its Redis connection three ways: QUIT; disconnect() and carry on a moment; or exit with it open.
const CLOSER = `import Redis from 'ioredis';
const redis = new Redis(process.env.REDIS_URL);
await redis.incr('hits');
if (process.env.HOW === 'quit') await redis.quit();
else if (process.env.HOW === 'disconnect-alive') { redis.disconnect(); setTimeout(() => {}, 100); }
else process.exit(0);
`;

const COUNTER = `import Redis from 'ioredis';
const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true });
redis.on('error', () => {});
try {
  await redis.connect();
  console.log('count', await redis.incr('hits'));
} catch (error) {
  console.log('failed', error.message);
  process.exit(0);
}
if (process.env.HOW === 'quit') await redis.quit();
else if (process.env.HOW === 'exit-pending') { redis.set('last', 'x'); process.exit(0); }
else redis.disconnect();
`;

let dir = '';
let holder: Server | undefined;
let HELD = 0;
let results: Record<string, { status: string; message: string }> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kit-api-'));
  // A port this test process holds, as the learner's own Run would, and an app that insists on it.
  holder = createServer();
  await new Promise<void>((done) => holder!.listen(0, done));
  HELD = (holder.address() as AddressInfo).port;
  const files: Record<string, string> = {
    'lab/lab.json': JSON.stringify({ id: '99-api', commands: { start: 'node app.js' }, env: { PORT: '3000', GREETING: 'hi' }, checks: Object.keys(CHECKS).map((id) => ({ id, title: `Check ${id}` })) }),
    'lab/check.mjs': `import { runLab, request } from '${kit}';\nawait runLab(new URL('./lab.json', import.meta.url), {\n${Object.entries(CHECKS).map(([id, body]) => `  '${id}': ${body},`).join('\n')}\n}, { cwd: process.cwd() });\n`,
    'package.json': JSON.stringify({ type: 'module', scripts: { hello: 'node hello.js', both: 'echo one && echo two' } }),
    'hello.js': `console.log(JSON.stringify({ args: process.argv.slice(2), event: process.env.npm_lifecycle_event }));`,
    'disk.js': `import { existsSync, readFileSync, writeFileSync } from 'node:fs'; import { tmpdir, homedir } from 'node:os';
const n = existsSync('visits.txt') ? Number(readFileSync('visits.txt', 'utf8')) + 1 : 1; writeFileSync('visits.txt', String(n));
console.log(JSON.stringify({ n, cwd: process.cwd(), tmp: tmpdir(), home: homedir() }));`,
    'Procfile': `# process types\nweb: node web.js\nworker: node worker.js\n`,
    'web.js': `import { createServer } from 'node:http'; createServer((q, s) => s.end(process.env.DYNO + ' on ' + process.env.PORT)).listen(Number(process.env.PORT));`,
    'worker.js': `console.log('working as ' + process.env.DYNO); setInterval(() => {}, 1000);`,
    'counter.js': COUNTER,
    'closer.js': CLOSER,
    'held.js': `import { createServer } from 'node:http'; createServer(() => {}).listen(${HELD});`,
    'broken.js': `console.log('starting');\nconst x = ;`,
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await symlink(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  const stdout = await new Promise<string>((done) => execFile(process.execPath, ['lab/check.mjs'], { cwd: dir, env: { ...process.env, REDIS_URL: '', LAB_CALIBRATION_FACTOR: '4' } }, (_e, out) => done(out)));
  const events = checkEvents(stdout) as unknown as { type: string; check: string; status: string; message: string }[];
  results = Object.fromEntries(events.filter((e) => e.type === 'result').map((e) => [e.check, e]));
}, 240_000);

afterAll(async () => {
  holder?.close();
  await rm(dir, { recursive: true, force: true });
});

const seen = (id: string) => {
  expect(results[id]?.status, results[id]?.message).toBe('pass');
  return JSON.parse(results[id]!.message);
};

describe('the kit API', () => {
  it('t.env: manifest env, then a free PORT and the check Redis, then overrides; undefined removes', () => {
    const env = seen('env');
    expect(env.PORT).toMatch(/^\d+$/);
    expect(env.PORT).not.toBe('3000');
    expect(env.REDIS_URL).toMatch(/^redis:\/\/127\.0\.0\.1:\d+/);
    expect(env).not.toHaveProperty('GREETING');
    expect(env.EXTRA).toBe('7');
  });

  it('t.start with an instance: its own app folder, TMPDIR and HOME; the same name keeps its disk', () => {
    const { a, b, again, inWorkspace } = seen('instances');
    expect(a[0].n).toBe(1);
    expect(b[0].n).toBe(1);
    expect(again[0].n).toBe(2);
    expect(a[0].cwd).not.toBe(b[0].cwd);
    expect(a[0].tmp).toContain('instance-A');
    expect(b[0].home).toContain('instance-B');
    expect(inWorkspace).toBeNull();
  });

  it('t.instance: the folder and TMPDIR that t.start({ instance }) uses, to prepare and inspect its files; startReady runs in a given cwd', () => {
    const { dir, tmp, run, copied, inWorkspace, elsewhere } = seen('instanceDir');
    expect(elsewhere).toBe('only here');
    expect(copied).toBe(true);
    expect(dir).toContain('instance-C');
    expect(run[0].n).toBe(42);
    expect(run[0].cwd).toBe(dir);
    expect(run[0].tmp).toBe(tmp);
    expect(inWorkspace).toBeNull();
  });

  it('t.exec resolves npm scripts without npm: node directly with its args, others through a shell; times out', () => {
    const { direct, shell, slow } = seen('exec');
    expect(direct.code).toBe(0);
    expect(direct.json).toEqual([{ args: ['--name=x'], event: 'hello' }]);
    expect(direct.command).toBe('npm run hello -- --name=x → node hello.js --name=x');
    expect(shell).toEqual(['one', 'two']);
    expect(slow).toEqual({ timedOut: true, code: null });
  });

  it('a command naming a script package.json lacks is reported as could-not-run, naming the scripts', () => {
    expect(results['missing']?.status).toBe('error');
    expect(results['missing']?.message).toMatch(/no "nope" script.*its scripts are hello, both/);
  });

  it('t.scale starts Procfile types, web instances on distinct ports, each process named in DYNO', () => {
    const { ports, answers, worker, labels } = seen('scale');
    expect(new Set(ports).size).toBe(2);
    expect(answers).toEqual(ports.map((p: number, i: number) => `web.${i + 1} on ${p}`));
    expect(worker).toEqual(['working as worker.1']);
    expect(labels).toEqual(['web.1', 'web.2', 'worker.1']);
  });

  it('t.snapshot / t.changedSince name the files a command created', () => {
    expect(seen('snapshot')).toEqual({ created: ['visits.txt'], modified: [], deleted: [] });
  });

  it('the watcher records commands, QUIT, and tells a clean close from an exit with a command unanswered', () => {
    const { out, connections } = seen('watch');
    expect(out).toEqual(['count 1']);
    expect(connections[0]).toMatchObject({ quit: true, clean: true, unanswered: 0 });
    expect(connections[0].names).toEqual(expect.arrayContaining(['INCR', 'QUIT']));
    // The app exited with SET in flight: either its reply never came before the close, or it came to a
    // process that was gone, which resets the connection.
    expect(connections[1]).toMatchObject({ quit: false, clean: false, by: 'client' });
    expect(connections[1].unanswered === 1 || connections[1].reset).toBe(true);
    expect(connections[1].names.at(-1)).toBe('SET');
  });

  it('pause() refuses connections like a Redis that is down; resume() serves the same URL again', () => {
    const { down, up } = seen('pause');
    expect(down).toMatch(/^failed /);
    expect(up).toEqual(['count 1']);
  });

  it('secured(): a random password and non-zero database; without either the count does not land', () => {
    const { db, password, right, bare, db0, entries } = seen('secured');
    expect(db).toBeGreaterThan(0);
    expect(password).toBeGreaterThanOrEqual(16);
    expect(right).toEqual(['count 1']);
    expect(bare).toMatch(/^failed /);
    expect(db0).toMatch(/count 1/); // counted, but in database 0 …
    expect(entries).toEqual([{ key: 'hits', type: 'string', value: '1' }]); // … not in the secured one
  });

  it('a port the app hard-codes, held by another process: says so and names that process, instead of "exited"', () => {
    expect(results['held']?.status).toBe('fail');
    expect(results['held']?.message).toContain(`it tried to listen on port ${HELD} instead, and port ${HELD} is held by another process (pid ${process.pid}:`);
    expect(results['held']?.message).toMatch(/stop Run \(or that program\)/);
  });

  it('a crash before the app answers is "could not run" (error), with the error and its place', () => {
    expect(results['crashes']?.status).toBe('error');
    expect(results['crashes']?.message).toMatch(/^The app crashed with SyntaxError: Unexpected token ';' \(broken\.js:2\) before answering on port \d+\. The check could not run\.$/);
  });

  it('watcher.follow tells a connection the app closed (QUIT, or disconnect while running) from one its exit cut', () => {
    const seen = JSON.parse(results['follow']!.message);
    expect(seen.quit).toMatchObject({ quit: true, clean: true, unanswered: 0 });
    expect(seen['disconnect-alive']).toMatchObject({ quit: false, clean: true, appAlive: true, unanswered: 0 });
    expect(seen['exit-open']).toMatchObject({ quit: false, appAlive: false, unanswered: 0 });
  });
});
