import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunnerEvent } from '../../../src/workspace/runtime/local/protocol.ts';
import { isAlive, treeMembers } from '../../../src/server/local-runner/process-tree.ts';
import { repositoryLabs } from '../../../src/server/local-runner/lab-source.ts';
import { createSession, listen, runner, startTestServer, type EventStream, type TestServer } from './helpers.ts';

type Exit = Extract<RunnerEvent, { type: 'exit' }>;
const exitOf = (process: string) => (e: RunnerEvent) => e.type === 'exit' && e.process === process;

/** Node one-liner: starts a grandchild (optionally in a new session, escaping the process group) and prints both pids. */
const SPAWNER = (setsid: boolean): string =>
  `node -e "const c = require('child_process').spawn(${setsid ? "'setsid', ['sleep', '300']" : "'sleep', ['300']"}, { stdio: 'ignore' }); console.log('PIDS', process.pid, c.pid); setInterval(() => {}, 1000)"`;

describe('lab processes', () => {
  let server: TestServer;
  let stream: EventStream | undefined;
  afterEach(async () => {
    stream?.close();
    await server.stop();
  });

  const start = async (session: string, body: unknown): Promise<string> => {
    const res = await runner(server, `/sessions/${session}/processes`, { method: 'POST', json: body });
    expect(res.status, res.text).toBe(201);
    return (JSON.parse(res.text) as { process: string }).process;
  };

  const pidsFrom = async (events: EventStream, process: string): Promise<number[]> => {
    await events.waitFor((e) => e.type === 'output' && e.process === process && /PIDS \d+ \d+/.test(events.output(process)));
    return (events.output(process).match(/PIDS (\d+) (\d+)/) as RegExpMatchArray).slice(1).map(Number);
  };

  it('runs a command in the workspace and streams its output and exit code', async () => {
    server = await startTestServer();
    const session = await createSession(server, '01-echo', { 'app.js': 'console.log("visits:", 1); console.error("warned"); process.exit(3);\n' });
    stream = await listen(server, session);
    const process = await start(session, { command: 'node app.js' });
    const exit = (await stream.waitFor(exitOf(process))) as Exit;
    expect(exit).toEqual({ type: 'exit', process, code: 3, signal: null });
    expect(stream.output(process)).toContain('visits: 1');
    expect(stream.output(process)).toContain('warned');
  });

  it('stops a command as a platform would: one SIGTERM to it, and its own exit reported, not the shell’s', async () => {
    server = await startTestServer();
    // Like the course's Run: a launcher that forwards SIGTERM to the app, which handles it once and
    // drains. A second SIGTERM (the whole group signalled besides the forward) would kill the app.
    const session = await createSession(server, '01-echo', {
      'app.js': [
        "import { spawn } from 'node:child_process';",
        "const app = spawn(process.execPath, ['-e', \"process.once('SIGTERM', () => setTimeout(() => process.exit(0), 300)); console.log('up'); setInterval(() => {}, 1000)\"], { stdio: 'inherit' });",
        "process.on('SIGTERM', () => setTimeout(() => app.kill('SIGTERM'), 100));",
        "app.on('exit', (code, signal) => process.exit(code ?? (signal ? 143 : 1)));",
        '',
      ].join('\n'),
      'package.json': '{ "type": "module" }\n',
    });
    stream = await listen(server, session);
    const process = await start(session, { command: 'node app.js' });
    await stream.waitFor((e) => e.type === 'output' && e.process === process && stream!.output(process).includes('up'));
    const res = await runner(server, `/sessions/${session}/processes/${process}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    const exit = (await stream.waitFor(exitOf(process))) as Exit;
    expect(exit).toMatchObject({ code: 0, signal: null, reason: 'killed' });
  });

  it('replays output to a page that connects after the process started', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    const process = await start(session, { command: 'echo early bird' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    stream = await listen(server, session);
    await stream.waitFor(exitOf(process));
    expect(stream.output(process)).toBe('early bird\n');
  });

  it('gives processes a small environment: the course’s node first on PATH, REDIS_URL passed through, no server secrets', async () => {
    process.env['TFL_TEST_SECRET'] = 'do-not-leak';
    try {
      server = await startTestServer({ env: { REDIS_URL: 'redis://127.0.0.1:6390' } });
      const session = await createSession(server);
      stream = await listen(server, session);
      const id = await start(session, { command: 'node -e "console.log(process.version, process.env.REDIS_URL, process.env.TFL_TEST_SECRET ?? \'none\')"' });
      await stream.waitFor(exitOf(id));
      expect(stream.output(id).trim()).toBe(`${process.version} redis://127.0.0.1:6390 none`);
    } finally {
      delete process.env['TFL_TEST_SECRET'];
    }
  });

  it('runs an interactive shell that reads whole lines from stdin', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const shell = await start(session, { shell: true });
    const typed = await runner(server, `/sessions/${session}/processes/${shell}/stdin`, { method: 'POST', body: 'echo "sum=$((40 + 2))"; ls\n' });
    expect(typed.status).toBe(204);
    await stream.waitFor((e) => e.type === 'output' && stream!.output(shell).includes('sum=42') && stream!.output(shell).includes('app.js'));
    await runner(server, `/sessions/${session}/processes/${shell}/stdin`, { method: 'POST', body: 'exit 0\n' });
    expect(await stream.waitFor(exitOf(shell))).toMatchObject({ code: 0 });
  });

  it('interrupts the command running in the shell (Ctrl-C) and keeps the shell', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const shell = await start(session, { shell: true });
    const type = (line: string) => runner(server, `/sessions/${session}/processes/${shell}/stdin`, { method: 'POST', body: `${line}\n` });
    await type('echo "PIDS $$ 0"; sleep 300; echo after-interrupt');
    const [shellPid] = await pidsFrom(stream, shell);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sleeper = treeMembers(shellPid as number);
    expect(sleeper.length).toBe(1);
    const interrupted = await runner(server, `/sessions/${session}/processes/${shell}/interrupt`, { method: 'POST' });
    expect(interrupted.status).toBe(204);
    await type('echo still-here');
    await stream.waitFor(() => stream!.output(shell).includes('still-here'));
    expect(sleeper.filter(isAlive)).toEqual([]);
    expect(isAlive(shellPid as number)).toBe(true);
  });

  it('kills the whole tree: the child and the grandchild it spawned', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const id = await start(session, { command: SPAWNER(false) });
    const pids = await pidsFrom(stream, id);
    expect(pids.every(isAlive)).toBe(true);
    const killed = await runner(server, `/sessions/${session}/processes/${id}`, { method: 'DELETE' });
    expect(killed.status).toBe(204);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await stream.waitFor(exitOf(id))).toMatchObject({ reason: 'killed' });
  });

  it('kills a grandchild that left the process group (setsid)', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const id = await start(session, { command: SPAWNER(true) });
    const pids = await pidsFrom(stream, id);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let setsid exec sleep
    await runner(server, `/sessions/${session}/processes/${id}`, { method: 'DELETE' });
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('leaves nothing behind when a command backgrounds a job and exits', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const id = await start(session, { command: 'sleep 300 & echo "PIDS $$ $!"' });
    const pids = await pidsFrom(stream, id);
    await stream.waitFor(exitOf(id));
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('stops a run that exceeds the time limit, with reason "timeout"', async () => {
    // Long enough for node to start and print its pids on a loaded machine, short enough to wait for.
    server = await startTestServer({ limits: { runTimeoutMs: 2_500 } });
    const session = await createSession(server);
    stream = await listen(server, session);
    const id = await start(session, { command: SPAWNER(false) });
    const pids = await pidsFrom(stream, id);
    const exit = (await stream.waitFor(exitOf(id))) as Exit;
    expect(exit.reason).toBe('timeout');
    expect(exit.signal).toBe('SIGTERM');
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('stops a process that floods its output, with reason "limit"', async () => {
    server = await startTestServer({ limits: { maxOutputBytes: 64 * 1024 } });
    const session = await createSession(server);
    stream = await listen(server, session);
    const id = await start(session, { command: 'yes "a learner\'s runaway loop"' });
    const exit = (await stream.waitFor(exitOf(id))) as Exit;
    expect(exit.reason).toBe('limit');
    expect(stream.output(id).length).toBeLessThanOrEqual(64 * 1024);
  });

  it('refuses more processes than the limit with 429', async () => {
    server = await startTestServer({ limits: { maxProcesses: 2 } });
    const session = await createSession(server);
    await start(session, { command: 'sleep 30' });
    await start(session, { command: 'sleep 30' });
    const third = await runner(server, `/sessions/${session}/processes`, { method: 'POST', json: { command: 'sleep 30' } });
    expect(third.status).toBe(429);
    expect(JSON.parse(third.text).error).toContain('already runs 2 processes');
  });

  it('rejects a start request without a command, naming the field', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    const res = await runner(server, `/sessions/${session}/processes`, { method: 'POST', json: { cmd: 'ls' } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatch(/^command: /);
  });

  it('stop kills every process; deleting the session also deletes its folder', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const first = await start(session, { command: SPAWNER(false) });
    const second = await start(session, { command: SPAWNER(false) });
    const pids = [...(await pidsFrom(stream, first)), ...(await pidsFrom(stream, second))];
    expect((await runner(server, `/sessions/${session}/stop`, { method: 'POST' })).status).toBe(204);
    expect(pids.filter(isAlive)).toEqual([]);

    const dir = server.runner?.sessions()[0]?.dir as string;
    expect(existsSync(dir)).toBe(true);
    expect((await runner(server, `/sessions/${session}`, { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(dir)).toBe(false);
    expect((await runner(server, `/sessions/${session}/stop`, { method: 'POST' })).status).toBe(404);
  });

  it('closes a session nobody listens to after the idle timeout, killing its processes', async () => {
    server = await startTestServer({ limits: { idleTimeoutMs: 1_000 } });
    const session = await createSession(server);
    const probe = await listen(server, session);
    const id = await start(session, { command: SPAWNER(false) });
    const pids = await pidsFrom(probe, id);
    const dir = server.runner?.sessions()[0]?.dir as string;
    probe.close();
    // The session is closed once its closing is logged, which comes after its folder is gone.
    const closed = (): boolean => server.logs.some((line) => line.includes('"why":"idle"'));
    const deadline = Date.now() + 10_000;
    while (!closed() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed()).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('keeps at most the session limit: the least recently used unwatched session makes room, watched ones never do', async () => {
    server = await startTestServer({ limits: { maxSessions: 2 } });
    const watched = await createSession(server);
    stream = await listen(server, watched);
    const unwatched = await createSession(server);
    await createSession(server);
    const ids = server.runner?.sessions().map((s) => s.id) ?? [];
    expect(ids).toContain(watched);
    expect(ids).not.toContain(unwatched);

    const second = await listen(server, ids.find((id) => id !== watched) as string);
    const refused = await runner(server, '/sessions', { method: 'POST', json: { lab: '01-echo', files: {} } });
    second.close();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text).error).toContain('close a lab tab');
  });

  it('kills every process and deletes every workspace when the server shuts down', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const id = await start(session, { command: SPAWNER(false) });
    const pids = await pidsFrom(stream, id);
    const dir = server.runner?.sessions()[0]?.dir as string;
    await server.shutdown();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('gives the shell, its commands, Run and the tasks the lab’s environment and one embedded Redis they share, gone with the session', async () => {
    server = await startTestServer({ labs: repositoryLabs() });
    const session = await createSession(server, '03-config', {});
    stream = await listen(server, session);
    const shell = await start(session, { shell: true });
    await stream.waitFor((e) => e.type === 'output' && e.process === shell && stream!.output(shell).includes('Shell ready.'), 20_000);
    const banner = stream.output(shell);
    const url = /Shell ready\. REDIS_URL=(redis:\/\/127\.0\.0\.1:\d+) \(an embedded Redis, shared by every command in this lab session\)/.exec(banner)?.[1];
    expect(url, banner).toBeDefined();

    await runner(server, `/sessions/${session}/processes/${shell}/stdin`, { method: 'POST', body: 'echo "env: $PORT|$GREETING|$REDIS_URL"\n' });
    await stream.waitFor(() => stream!.output(shell).includes('env: 3000|'));
    expect(stream.output(shell)).toContain(`env: 3000|Hello from the environment|${url}`);

    // Two separate commands see each other's data: the "two processes" exercise of the chapter.
    const redis = (script: string): string => `node -e "const R = require('ioredis'); const r = new R(process.env.REDIS_URL); ${script}.then((v) => { console.log('got', v); r.disconnect(); })"`;
    const set = await start(session, { command: redis(`r.set('visits', '41')`) });
    await stream.waitFor(exitOf(set), 20_000);
    const get = await start(session, { command: redis(`r.incr('visits')`) });
    await stream.waitFor(exitOf(get), 20_000);
    expect(stream.output(get)).toContain('got 42');

    // Run (kind "app", the real launcher) sets up its own environment but uses this session's Redis: the
    // count the one-offs left is the one its app goes on from, and it stays when Run stops.
    const counter = [
      `import Redis from 'ioredis';`,
      `import { createServer } from 'node:http';`,
      `const r = new Redis(process.env.REDIS_URL);`,
      `createServer(async (q, s) => s.end('visits ' + (await r.incr('visits')))).listen(process.env.PORT);`,
      `process.on('SIGTERM', () => process.exit(0));`,
    ].join('\n');
    expect((await runner(server, `/sessions/${session}/files/app.js`, { method: 'PUT', body: counter })).status).toBe(204);
    const run = await start(session, { command: 'node .lab/run.mjs', kind: 'app' });
    await stream.waitFor((e) => exitOf(run)(e) || /answers at http:\/\/localhost:\d+\//.test(stream!.output(run)), 20_000);
    expect(stream.output(run)).toContain(`[lab] Using this lab session's Redis at ${url} (shared with the terminal and the Run menu's tasks; the count stays when Run stops).`);
    expect(stream.output(run)).not.toContain('embedded Redis');
    const address = /answers at (http:\/\/localhost:\d+\/)/.exec(stream.output(run))![1]!;
    expect(await (await fetch(address)).text()).toBe('visits 43');
    expect((await runner(server, `/sessions/${session}/processes/${run}`, { method: 'DELETE' })).status).toBeLessThan(300);
    await stream.waitFor(exitOf(run), 20_000);
    const after = await start(session, { command: redis(`r.get('visits')`), kind: 'oneoff' });
    await stream.waitFor(exitOf(after), 20_000);
    expect(stream.output(after)).toContain('got 43');

    // An "app" task that starts the app directly gets no REDIS_URL: "Run without REDIS_URL" really runs
    // without it. (An app that only reports its environment and exits.)
    const report = `console.log('task sees REDIS_URL=' + (process.env.REDIS_URL ?? 'unset'))`;
    expect((await runner(server, `/sessions/${session}/files/app.js`, { method: 'PUT', body: report })).status).toBe(204);
    const task = await start(session, { command: 'node app.js', kind: 'app' });
    await stream.waitFor(exitOf(task), 20_000);
    expect(stream.output(task)).toContain('task sees REDIS_URL=unset');
    // The same command as a one-off task (an admin process) gets the session's Redis, as the shell does.
    const oneoff = await start(session, { command: 'node app.js', kind: 'oneoff' });
    await stream.waitFor(exitOf(oneoff), 20_000);
    expect(stream.output(oneoff)).toContain(`task sees REDIS_URL=${url}`);

    const redisPid = server.runner!.sessions()[0]!.redisPid;
    expect(redisPid).toBeGreaterThan(0);
    expect((await runner(server, `/sessions/${session}`, { method: 'DELETE' })).status).toBe(204);
    expect(isAlive(redisPid!)).toBe(false);
  }, 60_000);

  it('gives each live session its own block of default ports, so two tabs never share one', async () => {
    server = await startTestServer({ labs: repositoryLabs(), env: { REDIS_URL: 'redis://127.0.0.1:9' } });
    const portOf = async (session: string): Promise<string> => {
      const events = await listen(server!, session);
      try {
        const shell = await start(session, { shell: true });
        await events.waitFor(() => events.output(shell).includes('Shell ready.'), 20_000);
        await runner(server!, `/sessions/${session}/processes/${shell}/stdin`, { method: 'POST', body: 'echo "port=$PORT"\n' });
        await events.waitFor(() => /port=\d+/.test(events.output(shell)), 20_000);
        return /port=(\d+)/.exec(events.output(shell))![1]!;
      } finally {
        events.close();
      }
    };
    const first = await createSession(server, '03-config', {});
    const second = await createSession(server, '03-config', {});
    expect(await portOf(first)).toBe('3000');
    expect(await portOf(second)).toBe('3010');
    // A closed session's block is free again.
    expect((await runner(server, `/sessions/${first}`, { method: 'DELETE' })).status).toBe(204);
    expect(await portOf(await createSession(server, '03-config', {}))).toBe('3000');
  });

  it('uses the server’s REDIS_URL instead of starting one', async () => {
    server = await startTestServer({ labs: repositoryLabs(), env: { REDIS_URL: 'redis://redis.internal:6379/2' } });
    const session = await createSession(server, '03-config', {});
    stream = await listen(server, session);
    const shell = await start(session, { shell: true });
    await stream.waitFor(() => stream!.output(shell).includes('Shell ready.'));
    expect(stream.output(shell)).toContain('Shell ready. REDIS_URL=redis://redis.internal:6379/2 (the course server’s Redis, shared by every command in this lab session)');
    // Run is offered the same one as the session's Redis.
    const app = await start(session, { command: `node -e "console.log('offered', process.env.LAB_SESSION_REDIS_URL)"`, kind: 'app' });
    await stream.waitFor(exitOf(app));
    expect(stream.output(app)).toContain('offered redis://redis.internal:6379/2');
    expect(server.runner!.sessions()[0]!.redisPid).toBeUndefined();
  });
});
