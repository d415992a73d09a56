/**
 * Hostile suite, processes: a learner's code that tries to outlive Stop and the closing of its lab by
 * leaving its process tree (setsid, a detached and unref'd child whose parent exits, a shell's background
 * job, a cleared environment). Before process marks, each of these survived, re-parented to PID 1.
 * Runs with RUNNER_CGROUPS=off unless a test says otherwise, so the marks alone are what is proven.
 * Loopback only; every wait is bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { probeCgroups } from '../../../../src/server/local-runner/cgroups.ts';
import { isAlive } from '../../../../src/server/local-runner/process-tree.ts';
import { createSession, eventually, listen, processesIn, processesRunning, runner, startTestServer, type EventStream, type TestServer } from '../helpers.ts';

/** A sleep no other program on the machine runs, so `ps` finds exactly ours. */
const tag = (): string => String(600_000 + Math.floor(Math.random() * 300_000));

/** Node one-liner: starts `sleep <seconds>` detached (its own session) and unref'd, then exits. */
const DETACH = (seconds: string): string =>
  `node -e "require('child_process').spawn('sleep', ['${seconds}'], { detached: true, stdio: 'ignore' }).unref()"`;

describe('a learner process cannot outlive its lab', () => {
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
  const type = (session: string, shell: string, line: string) =>
    runner(server, `/sessions/${session}/processes/${shell}/stdin`, { method: 'POST', body: `${line}\n` });

  /**
   * Starts one escapee of each kind, from a shell that stays open and from a Run whose first process
   * exits at once; resolves once all of them run.
   */
  const escapees = async (session: string): Promise<{ shell: string; sleeps: string[] }> => {
    const sleeps = [tag(), tag(), tag(), tag()];
    const shell = await start(session, { shell: true });
    await type(session, shell, `setsid sleep ${sleeps[0]} &`);
    await type(session, shell, `sleep ${sleeps[1]} &`);
    await type(session, shell, DETACH(sleeps[2] as string));
    await start(session, { command: `${DETACH(sleeps[3] as string)}; sleep 300` });
    const running = await eventually(() => sleeps.every((s) => processesRunning(`sleep ${s}`).length === 1), 15_000);
    expect(running, 'the escapees started').toBe(true);
    return { shell, sleeps };
  };

  it('Stop ends a setsid daemon, a background job and a detached, unref’d grandchild whose parent exited', async () => {
    server = await startTestServer({ env: { RUNNER_CGROUPS: 'off' } });
    const session = await createSession(server);
    stream = await listen(server, session);
    const { sleeps } = await escapees(session);
    expect((await runner(server, `/sessions/${session}/stop`, { method: 'POST' })).status).toBe(204);
    for (const s of sleeps) expect(processesRunning(`sleep ${s}`), `sleep ${s}`).toEqual([]);
  });

  it('closing the session ends them too, with the embedded Redis, and deletes the folder', async () => {
    const { repositoryLabs } = await import('../../../../src/server/local-runner/lab-source.ts');
    server = await startTestServer({ env: { RUNNER_CGROUPS: 'off' }, labs: repositoryLabs() });
    const session = await createSession(server, '03-config', {});
    stream = await listen(server, session);
    const { sleeps } = await escapees(session);
    const redis = server.runner?.sessions()[0]?.redisPid;
    expect(redis && isAlive(redis)).toBe(true);

    expect((await runner(server, `/sessions/${session}`, { method: 'DELETE' })).status).toBe(204);
    for (const s of sleeps) expect(processesRunning(`sleep ${s}`), `sleep ${s}`).toEqual([]);
    expect(isAlive(redis as number)).toBe(false);
    expect(processesIn(server.workRoot)).toEqual([]);
    expect(server.runner?.sessions()).toEqual([]);
  }, 30_000);

  it('a process that exits leaves none of its daemons behind', async () => {
    server = await startTestServer({ env: { RUNNER_CGROUPS: 'off' } });
    const session = await createSession(server);
    stream = await listen(server, session);
    const daemon = tag();
    const id = await start(session, { command: `setsid sleep ${daemon} & ${DETACH(tag())}` });
    await stream.waitFor((e) => e.type === 'exit' && e.process === id, 15_000);
    expect(processesRunning(`sleep ${daemon}`)).toEqual([]);
  });

  it.skipIf(!probeCgroups())('with cgroups, even a process that cleared its environment and left its tree is ended', async () => {
    server = await startTestServer();
    expect(server.runner?.tracking).toContain('cgroups');
    const session = await createSession(server);
    stream = await listen(server, session);
    const shell = await start(session, { shell: true });
    const hidden = tag();
    // env -i drops the mark; the inner shell exits at once, so no parent link leads to the sleeper either.
    await type(session, shell, `env -i /bin/sh -c 'setsid sleep ${hidden} &'`);
    expect(await eventually(() => processesRunning(`sleep ${hidden}`).length === 1)).toBe(true);
    await runner(server, `/sessions/${session}/stop`, { method: 'POST' });
    expect(processesRunning(`sleep ${hidden}`)).toEqual([]);
  });
});
