/**
 * Hostile suite, the server's own life: a process manager stopping `npm start` with SIGTERM (npm passes it
 * to the script's shell, not to the server), and the server killed with SIGKILL, then started again. In
 * both cases every lab process (escapees included: a setsid daemon, a shell's background job, a detached
 * grandchild, the embedded Redis) and every workspace folder must be gone: counted with /proc, as `ps`
 * would. Real server processes on loopback; every wait is bounded.
 */
import { readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../../../src/server/local-runner/process-tree.ts';
import { eventually, fixtureSite, processesIn, processesRunning, spawnServer, tempDir, type ServerProcess } from '../helpers.ts';

const tag = (): string => String(600_000 + Math.floor(Math.random() * 300_000));
const DETACH = (seconds: string): string =>
  `node -e "require('child_process').spawn('sleep', ['${seconds}'], { detached: true, stdio: 'ignore' }).unref()"`;

const workspaces = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('twelve-factor-lab-'));

/** Opens a Config lab session with a shell (so its embedded Redis runs) and three escapees started from it. */
async function populate(server: ServerProcess): Promise<{ sleeps: string[]; redis: number[] }> {
  const created = await server.request('/sessions', { method: 'POST', json: { lab: '03-config', files: {} } });
  expect(created.status, created.text).toBe(201);
  const session = (JSON.parse(created.text) as { session: string }).session;
  const shell = await server.request(`/sessions/${session}/processes`, { method: 'POST', json: { shell: true } });
  expect(shell.status, shell.text).toBe(201);
  const id = (JSON.parse(shell.text) as { process: string }).process;
  const sleeps = [tag(), tag(), tag()];
  for (const line of [`setsid sleep ${sleeps[0]} &`, `sleep ${sleeps[1]} &`, DETACH(sleeps[2] as string)]) {
    expect((await server.request(`/sessions/${session}/processes/${id}/stdin`, { method: 'POST', body: `${line}\n` })).status).toBe(204);
  }
  const running = await eventually(() => sleeps.every((s) => processesRunning(`sleep ${s}`).length === 1) && processesRunning('redis-server.mjs').length > 0, 20_000);
  expect(running, 'escapees and the embedded Redis started').toBe(true);
  return { sleeps, redis: processesRunning('.lab/_kit/redis-server.mjs') };
}

describe('no lab process and no workspace outlives the server', () => {
  const temp = tempDir('tfl-lifecycle-');
  const site = fixtureSite(temp.dir);
  const started: ServerProcess[] = [];
  afterEach(() => {
    for (const server of started.splice(0)) if (isAlive(server.pid)) process.kill(server.pid, 'SIGKILL');
  });
  afterAll(() => temp.remove());

  it('kill -TERM of `npm start`’s pid stops the server, its lab processes and its folders', async () => {
    const work = join(temp.dir, 'npm');
    mkdirSync(work);
    const npm = await spawnServer({ site, via: 'npm', env: { TMPDIR: work, RUNNER_CGROUPS: 'off' } });
    started.push(npm);
    expect(npm.pid).not.toBe(npm.child.pid); // npm, then its script shell, then the server
    const { sleeps } = await populate(npm);

    npm.child.kill('SIGTERM');
    expect(await eventually(() => !isAlive(npm.pid), 20_000), 'the server exited').toBe(true);
    expect(npm.lines.find((l) => l['msg'] === 'shutting down')).toBeDefined();
    for (const s of sleeps) expect(processesRunning(`sleep ${s}`), `sleep ${s}`).toEqual([]);
    expect(processesIn(work)).toEqual([]);
    expect(workspaces(work)).toEqual([]);
  }, 60_000);

  it.each([
    ['process marks alone', { RUNNER_CGROUPS: 'off' }],
    ['marks and cgroups where the machine has them', {}],
  ])('kill -9 of the server, then a new start, ends what it left running (%s)', async (_how, env) => {
    const work = join(temp.dir, `kill9-${started.length}-${Date.now()}`);
    mkdirSync(work);
    const first = await spawnServer({ site, env: { TMPDIR: work, ...env } });
    started.push(first);
    const { sleeps, redis } = await populate(first);

    process.kill(first.pid, 'SIGKILL');
    expect(await eventually(() => !isAlive(first.pid))).toBe(true);
    // The attack is real: without the next start's sweep, all of these would run on.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const s of sleeps) expect(processesRunning(`sleep ${s}`), `sleep ${s} after kill -9`).toHaveLength(1);
    expect(redis.filter(isAlive).length, 'embedded Redis after kill -9').toBeGreaterThan(0);
    expect(workspaces(work)).toHaveLength(1);

    const second = await spawnServer({ site, env: { TMPDIR: work, ...env } });
    started.push(second);
    const clean = await eventually(
      () => sleeps.every((s) => processesRunning(`sleep ${s}`).length === 0) && processesIn(work).length === 0 && workspaces(work).length === 0,
      20_000,
    );
    for (const s of sleeps) expect(processesRunning(`sleep ${s}`), `sleep ${s}`).toEqual([]);
    expect(redis.filter(isAlive)).toEqual([]);
    expect(processesIn(work)).toEqual([]);
    expect(workspaces(work)).toEqual([]);
    expect(clean).toBe(true);
    expect(second.lines.find((l) => l['msg'] === 'stopped lab processes of a previous run')).toMatchObject({ count: expect.any(Number) });
    process.kill(second.pid, 'SIGTERM');
    await second.exit;
  }, 90_000);
});
