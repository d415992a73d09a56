/**
 * One Redis per lab in WebContainer: the adapter starts the kit's server on first need and gives it to
 * everything the learner starts, Run (offered as LAB_SESSION_REDIS_URL) as much as the shell and the Run
 * menu's one-off tasks (REDIS_URL), with every quirk of the real runtime on.
 */
import { describe, expect, it } from 'vitest';
import type { RuntimeStatus } from '../../../src/workspace/runtime/types.ts';
import { REDIS_SCRIPT } from '../../../src/workspace/runtime/webcontainer/session-redis.ts';
import { ALL_QUIRKS, FakeWebContainer, type Program } from './fake-webcontainer.ts';
import { FAST, lab, runtimeWith, snapshot } from './webcontainer-harness.ts';

const URL = 'redis://127.0.0.1:6379';
const forever = (): Promise<number> => new Promise(() => undefined);

/** The kit's server as the adapter starts it: says it is ready in one JSON line, then serves until killed. */
const readyRedis: Program = async ({ print, listen, killed }) => {
  print(`${JSON.stringify({ msg: 'redis ready', url: URL })}\r\n`);
  listen(6379, { http: false });
  await killed;
  return 143;
};

/** Hidden files as the site publishes them: the kit's server and the lab's manifest with its env. */
const hidden = {
  '.lab/check.mjs': '// checker',
  [REDIS_SCRIPT]: '// the kit server',
  '.lab/03-config/lab.json': JSON.stringify({ id: '03-config', env: { PORT: '3000', GREETING: 'Hello from the environment' } }),
};

/** A container whose node runs `redis` for the kit's server and exits at once for anything else; jsh likewise. */
function container(redis: Program = readyRedis): FakeWebContainer {
  const fake = new FakeWebContainer(ALL_QUIRKS);
  fake.programs.set('node', (context) => (context.args[0] === REDIS_SCRIPT ? redis(context) : Promise.resolve(0)));
  fake.programs.set('jsh', async () => 0);
  return fake;
}

function runtimeOn(fake: FakeWebContainer | (() => FakeWebContainer)) {
  const make = typeof fake === 'function' ? fake : () => fake;
  const booted = [make()];
  const statuses: RuntimeStatus[] = [];
  const runtime = runtimeWith(booted[0]!, {
    boot: async () => {
      if (booted.at(-1)!.tornDown) booted.push(make());
      return booted.at(-1)!;
    },
    loadAssets: async () => ({ hidden, nodeModules: async () => snapshot.slice() }),
  });
  const mount = { ...lab, onStatus: (status: RuntimeStatus) => statuses.push(status) };
  return { runtime, booted, mount, problems: () => statuses.filter((status) => status.kind === 'problem') };
}

const quiet = { onOutput: () => undefined };
const redisStarts = (fake: FakeWebContainer): number => fake.spawned.filter(({ args }) => args[0] === REDIS_SCRIPT).length;
/** The environment of the last process spawned for `command` (the program name). */
const envOf = (fake: FakeWebContainer, command: string, first: string | undefined): Record<string, string> =>
  fake.spawned.filter((spawned) => spawned.command === command && spawned.args[0] === first).at(-1)!.env;

describe("the WebContainer adapter's lab Redis", () => {
  it('starts once, on first need, and gives the shell and one-off tasks REDIS_URL with the lab’s env, and Run only LAB_SESSION_REDIS_URL', async () => {
    const fake = container();
    const { runtime, mount } = runtimeOn(fake);
    await runtime.mount(mount);
    expect(redisStarts(fake)).toBe(0);

    // Run and a one-off task asked for at once still share one server.
    await Promise.all([runtime.run('node .lab/run.mjs', { ...quiet, kind: 'app' }), runtime.run('npm run reset', { ...quiet, kind: 'oneoff' })]);
    await runtime.run('node .lab/run.mjs --formation web=1,worker=2', { ...quiet, kind: 'formation' });
    await runtime.run('node migrate.js', { ...quiet, kind: 'build' });
    await runtime.run('node typed.js', quiet);
    await runtime.shell(quiet);
    expect(redisStarts(fake)).toBe(1);
    expect(envOf(fake, 'node', REDIS_SCRIPT)).toEqual({ LAB_PROCESS_MODEL: 'portable' });

    const shared = { LAB_PROCESS_MODEL: 'portable', PORT: '3000', GREETING: 'Hello from the environment', REDIS_URL: URL };
    expect(envOf(fake, 'node', '.lab/run.mjs')).toEqual({ LAB_PROCESS_MODEL: 'portable', LAB_SESSION_REDIS_URL: URL });
    expect(fake.spawned.find(({ args }) => args[2] === 'web=1,worker=2')!.env).toEqual({ LAB_PROCESS_MODEL: 'portable', LAB_SESSION_REDIS_URL: URL });
    expect(envOf(fake, 'jsh', '-c')).toEqual(shared);
    expect(envOf(fake, 'node', 'migrate.js')).toEqual(shared);
    expect(envOf(fake, 'node', 'typed.js')).toEqual(shared);
    expect(envOf(fake, 'jsh', undefined)).toEqual(shared);
  });

  it('keeps running through Stop, is started anew after a restart, and is stopped on dispose', async () => {
    let killed = 0;
    const counting: Program = async (context) => {
      void context.killed.then(() => (killed += 1));
      return readyRedis(context);
    };
    const { runtime, booted, mount } = runtimeOn(() => container(counting));
    await runtime.mount(mount);
    await runtime.run('npm run migrate', { ...quiet, kind: 'oneoff' });
    await runtime.stopAll();
    expect(booted[0]!.running).toContain(`node ${REDIS_SCRIPT}`);
    await runtime.run('npm run reset', { ...quiet, kind: 'oneoff' });
    expect(redisStarts(booted[0]!)).toBe(1);

    await runtime.restart(mount);
    expect(booted).toHaveLength(2);
    expect(redisStarts(booted[1]!)).toBe(0);
    await runtime.run('node .lab/run.mjs', { ...quiet, kind: 'app' });
    expect(redisStarts(booted[1]!)).toBe(1);
    expect(envOf(booted[1]!, 'node', '.lab/run.mjs')['LAB_SESSION_REDIS_URL']).toBe(URL);

    await runtime.dispose();
    expect(killed).toBe(1);
    expect(booted[1]!.tornDown).toBe(true);
  });

  it('runs commands without it, and says so once, when it cannot start', async () => {
    const broken: Program = async ({ print }) => {
      print("Error: Cannot find module 'ioredis-mock'\r\n");
      return 1;
    };
    const fake = container(broken);
    const { runtime, mount, problems } = runtimeOn(fake);
    await runtime.mount(mount);
    await runtime.run('npm run reset', { ...quiet, kind: 'oneoff' });
    await runtime.run('node .lab/run.mjs', { ...quiet, kind: 'app' });
    expect(envOf(fake, 'jsh', '-c')).toEqual({ LAB_PROCESS_MODEL: 'portable', PORT: '3000', GREETING: 'Hello from the environment' });
    expect(envOf(fake, 'node', '.lab/run.mjs')).toEqual({ LAB_PROCESS_MODEL: 'portable' });
    expect(redisStarts(fake)).toBe(1);
    expect(problems()).toEqual([
      {
        kind: 'problem',
        restart: true,
        message: expect.stringMatching(/^This lab's Redis did not start \(it exited with code 1: Error: Cannot find module 'ioredis-mock'\)\. Commands and the terminal run without REDIS_URL.*Restart the lab runtime/),
      },
    ]);
  });

  it('gives up waiting after its bound when the server never says it is ready', async () => {
    const fake = container(async () => forever());
    const { runtime, mount, problems } = runtimeOn(fake);
    await runtime.mount(mount);
    const started = performance.now();
    await runtime.run('npm run reset', { ...quiet, kind: 'oneoff' });
    expect(performance.now() - started).toBeLessThan(FAST.redisMs + 1000);
    expect(envOf(fake, 'jsh', '-c')['REDIS_URL']).toBeUndefined();
    expect(problems()).toEqual([{ kind: 'problem', restart: true, message: expect.stringContaining(`did not say it was ready within ${FAST.redisMs / 1000} s`) }]);
    expect(fake.running).not.toContain(`node ${REDIS_SCRIPT}`);
  });

  it('starts none where the lab ships no server', async () => {
    const fake = container();
    const runtime = runtimeWith(fake);
    await runtime.mount(lab);
    await runtime.run('npm run reset', { ...quiet, kind: 'oneoff' });
    expect(redisStarts(fake)).toBe(0);
    expect(envOf(fake, 'jsh', '-c')).toEqual({ LAB_PROCESS_MODEL: 'portable' });
  });
});
