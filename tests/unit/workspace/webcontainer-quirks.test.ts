/**
 * The WebContainer adapter against the fake with every known quirk of the real runtime on: output that
 * never closes, `kill()` that a busy process ignores, no process groups, `server-ready` for every port.
 * Each story is one thing a learner does: Check, Stop, cancel, Open app, restart.
 */
import { describe, expect, it } from 'vitest';
import { StopTimeoutError, type RuntimeStatus } from '../../../src/workspace/runtime/types.ts';
import { ALL_QUIRKS, FakeWebContainer, previewUrl, type Program, type ProgramContext } from './fake-webcontainer.ts';
import { FAST, lab, protocolText, runtimeWith, snapshot } from './webcontainer-harness.ts';

const ANNOUNCE = '[lab] The visitor counter answers at http://localhost:3000/\r\n';
const REDIS_PORT = 6379;
const APP_PORT = 3000;

/** `node <script>` dispatches on the script, as the real node would run different files. */
function node(scripts: Record<string, Program>): Program {
  return (context) => {
    const script = scripts[context.args[0] ?? ''];
    if (!script) throw new Error(`fake node: no script ${context.args[0]}`);
    return script(context);
  };
}

const forever = (): Promise<number> => new Promise(() => undefined);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The embedded Redis: a plain TCP server (WebContainer still calls it ready, with the quirk on). */
const redis: Program = async ({ listen }) => {
  listen(REDIS_PORT, { http: false });
  return forever();
};
/** The learner's app, listening on 3000. */
const app: Program = async ({ listen }) => {
  listen(APP_PORT);
  return forever();
};

/** The launcher (Run): starts Redis and the app, announces the app, and on Ctrl-C stops both. */
function launcher({ onCtrlC = true } = {}): Program {
  return async ({ spawn, print, input }) => {
    const children = [await spawn('node', ['redis.mjs']), await spawn('node', ['app.js'])];
    print(ANNOUNCE);
    if (!onCtrlC) return forever();
    for await (const chunk of input) {
      if (chunk !== '\x03') continue;
      for (const child of children) child.kill();
      return 130;
    }
    return 0;
  };
}

function quirky(scripts: Record<string, Program>): FakeWebContainer {
  const container = new FakeWebContainer(ALL_QUIRKS);
  container.programs.set('node', node({ 'redis.mjs': redis, 'app.js': app, ...scripts }));
  return container;
}

/** A runtime whose `boot` gives a fresh container after a teardown, as the real API does. */
function restartable(make: () => FakeWebContainer) {
  const booted: FakeWebContainer[] = [make()];
  const statuses: RuntimeStatus[] = [];
  const runtime = runtimeWith(booted[0]!, {
    boot: async () => {
      if (booted.at(-1)!.tornDown) booted.push(make());
      return booted.at(-1)!;
    },
  });
  const mount = { ...lab, onStatus: (status: RuntimeStatus) => statuses.push(status) };
  return { runtime, booted, statuses, mount, problems: () => statuses.filter((status) => status.kind === 'problem') };
}

describe('with every WebContainer quirk on, Check', () => {
  it('finishes with its verdict at the exit although the output never closes', async () => {
    const container = quirky({ '.lab/check.mjs': async ({ print }) => (print(protocolText), 0) });
    // A long wait after the verdict, so only the exit can end the check in time.
    const runtime = runtimeWith(container, { timing: { ...FAST, verdictExitMs: 60_000 } });
    await runtime.mount(lab);
    const started = performance.now();
    await expect(runtime.check(() => undefined)).resolves.toMatchObject({ type: 'done', status: 'pass' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports a checker that died without a verdict although its output never closes', async () => {
    const container = quirky({ '.lab/check.mjs': async ({ print }) => (print('Error: Cannot find module ioredis\r\n'), 1) });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    await expect(runtime.check(() => undefined)).rejects.toThrow(/exit code 1\) without a verdict[\s\S]*Cannot find module ioredis/);
  });

  it('returns the verdict of a checker that lingers after giving it, and stops the checker', async () => {
    let interrupted = false;
    const container = quirky({
      '.lab/check.mjs': async ({ print, input }) => {
        print(protocolText);
        for await (const chunk of input) if (chunk === '\x03') interrupted = true;
        return forever();
      },
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    await expect(runtime.check(() => undefined)).resolves.toMatchObject({ status: 'pass' });
    await sleep(FAST.graceMs + 50);
    expect(interrupted).toBe(true);
    expect(container.running).toEqual([]);
  });

  it('returns the verdict of a checker left busy after it, and offers a restart, which ends it', async () => {
    const { runtime, booted, mount, problems } = restartable(() =>
      quirky({
        '.lab/check.mjs': async ({ print, busy }) => {
          print(protocolText);
          busy();
          return forever();
        },
      }),
    );
    await runtime.mount(mount);
    await expect(runtime.check(() => undefined)).resolves.toMatchObject({ status: 'pass' });
    await sleep(FAST.graceMs + FAST.stopMs + 50);
    expect(booted[0]!.running).toEqual(['node .lab/check.mjs --json']);
    expect(problems()).toEqual([{ kind: 'problem', restart: true, message: expect.stringMatching(/still running .* busy in a loop.*Restart the lab runtime/) }]);
    await runtime.restart(mount);
    expect(booted[0]!.tornDown).toBe(true);
    expect(booted[1]!.running).toEqual([]);
  });
});

describe('with every WebContainer quirk on, cancelling a check', () => {
  it('works before it starts: nothing is fetched or spawned', async () => {
    const container = quirky({});
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    await expect(runtime.check(() => undefined, AbortSignal.abort(new Error('cancelled early')))).rejects.toThrow('cancelled early');
    expect(runtime.fetched).toBe(0);
    expect(container.spawned).toEqual([]);
  });

  it('works while the packages are still downloading', async () => {
    const container = quirky({});
    const runtime = runtimeWith(container, { loadAssets: async () => ({ hidden: {}, nodeModules: () => new Promise(() => undefined) }) });
    await runtime.mount(lab);
    const controller = new AbortController();
    const checking = runtime.check(() => undefined, controller.signal);
    await sleep(10);
    controller.abort(new Error('cancelled while downloading'));
    await expect(checking).rejects.toThrow('cancelled while downloading');
    expect(container.spawned).toEqual([]);
  });

  it('works while the checker is being spawned, and stops the checker once it exists', async () => {
    const container = quirky({ '.lab/check.mjs': async ({ input }) => {
      for await (const chunk of input) if (chunk === '\x03') return 130;
      return 0;
    } });
    const spawn = container.spawn.bind(container);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    container.spawn = (command, args, options) => gate.then(() => spawn(command, args, options));
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const controller = new AbortController();
    const checking = runtime.check(() => undefined, controller.signal);
    await sleep(10);
    controller.abort(new Error('cancelled while spawning'));
    await expect(checking).rejects.toThrow('cancelled while spawning');
    release();
    await sleep(FAST.graceMs);
    expect(container.spawned).toHaveLength(1);
    expect(container.running).toEqual([]);
  });

  it('works while a busy checker ignores kill: the check ends at once and a restart is offered', async () => {
    const { runtime, booted, mount, problems } = restartable(() => quirky({ '.lab/check.mjs': async ({ busy }) => (busy(), forever()) }));
    await runtime.mount(mount);
    const controller = new AbortController();
    const checking = runtime.check(() => undefined, controller.signal);
    await sleep(10);
    const started = performance.now();
    controller.abort(new Error('cancelled while running'));
    await expect(checking).rejects.toThrow('cancelled while running');
    expect(performance.now() - started).toBeLessThan(FAST.graceMs);
    await sleep(FAST.graceMs + FAST.stopMs + 50);
    expect(booted[0]!.ignoredKills).toBe(1);
    expect(problems()).toHaveLength(1);
    await runtime.restart(mount);
    expect(booted[1]!.running).toEqual([]);
  });

  it('works after the checker exited, while its never-closing output drains', async () => {
    let exited!: () => void;
    const gone = new Promise<void>((resolve) => (exited = resolve));
    const container = quirky({
      '.lab/check.mjs': async ({ print }) => {
        print(protocolText);
        setTimeout(exited, 0);
        return 0;
      },
    });
    const runtime = runtimeWith(container, { timing: { ...FAST, drainMs: 5_000 } });
    await runtime.mount(lab);
    const controller = new AbortController();
    const checking = runtime.check(() => undefined, controller.signal);
    await gone;
    const started = performance.now();
    controller.abort(new Error('cancelled after exit'));
    await expect(checking).rejects.toThrow('cancelled after exit');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('with every WebContainer quirk on, Stop', () => {
  it("stops Run's launcher, spawned as node itself, with the app and the Redis it started", async () => {
    const container = quirky({ '.lab/run.mjs': launcher() });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const run = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined });
    await sleep(10);
    expect(container.running).toEqual(['node .lab/run.mjs', 'node redis.mjs', 'node app.js']);
    await run.kill();
    expect(await run.exit).toBeNull();
    expect(container.running).toEqual([]);
    expect(container.spawned[0]).toMatchObject({ command: 'node', args: ['.lab/run.mjs'] });
  });

  it('stops a command run through jsh, which stops its foreground job on Ctrl-C', async () => {
    const container = quirky({});
    container.programs.set('jsh', async ({ spawn, input }) => {
      const job = await spawn('node', ['app.js']);
      for await (const chunk of input) if (chunk === '\x03') return (job.kill(), 130);
      return 0;
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const run = await runtime.run('npm start', { onOutput: () => undefined });
    await sleep(10);
    await run.kill();
    expect(container.running).toEqual([]);
  });

  it('says so and offers a restart when the app outlives a launcher that could not stop it', async () => {
    const { runtime, booted, mount, problems } = restartable(() => quirky({ '.lab/run.mjs': launcher({ onCtrlC: false }) }));
    await runtime.mount(mount);
    const run = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined, onServerReady: () => undefined });
    await sleep(10);
    await run.kill();
    expect(booted[0]!.running).toEqual(['node redis.mjs', 'node app.js']);
    expect(problems()).toEqual([{ kind: 'problem', restart: true, message: expect.stringMatching(/port 3000 is still open.*Restart the lab runtime/) }]);
    await runtime.restart(mount);
    expect(booted[1]!.running).toEqual([]);
  });

  it('gives up on a busy app after the bound, offers a restart, and the restart ends it and keeps the files and packages', async () => {
    const { runtime, booted, mount, problems } = restartable(() => quirky({ 'spin.js': async ({ busy }) => (busy(), forever()) }));
    await runtime.mount(mount);
    await runtime.writeFile('app.js', 'edited');
    const run = await runtime.run('node spin.js', { onOutput: () => undefined });
    const started = performance.now();
    const error = await run.kill().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StopTimeoutError);
    expect(performance.now() - started).toBeLessThan(FAST.graceMs + FAST.stopMs + 500);
    expect(booted[0]!.running).toEqual(['node spin.js']);
    expect(problems()).toHaveLength(1);
    await runtime.restart({ ...mount, files: { ...lab.files, 'app.js': 'edited' } });
    expect(await run.exit).toBeNull();
    expect(booted[1]!.files.get('app.js')).toBe('edited');
    expect(booted[1]!.files.get('.lab/check.mjs')).toBe('// checker');
    // The snapshot was transferred to the first container; the restart mounts a kept copy without fetching again.
    expect(booted[1]!.snapshots).toEqual([snapshot]);
    expect(runtime.fetched).toBe(1);
    await expect(runtime.stopAll()).resolves.toBeUndefined();
  });

  it("stops a run through the run's own signal, and cancels one still waiting for the packages", async () => {
    const container = quirky({ '.lab/run.mjs': launcher() });
    let deliver!: (bytes: Uint8Array) => void;
    const runtime = runtimeWith(container, {
      loadAssets: async () => ({ hidden: {}, nodeModules: () => new Promise((resolve) => (deliver = resolve)) }),
    });
    await runtime.mount(lab);
    const early = new AbortController();
    const waiting = runtime.run('node .lab/run.mjs', { onOutput: () => undefined, signal: early.signal });
    await sleep(10);
    early.abort(new Error('stopped before it started'));
    await expect(waiting).rejects.toThrow('stopped before it started');
    expect(container.spawned).toEqual([]);
    deliver(snapshot.slice());
    const controller = new AbortController();
    const run = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined, signal: controller.signal });
    await sleep(10);
    controller.abort();
    expect(await run.exit).toBeNull();
    await sleep(10);
    expect(container.running).toEqual([]);
  });
});

describe('with every WebContainer quirk on, Open app', () => {
  it("names the app's own port, never the embedded Redis or a server the checker starts", async () => {
    const checkerServer: Program = async (context: ProgramContext) => {
      context.listen(41_234);
      context.print(protocolText);
      return 0;
    };
    const container = quirky({ '.lab/run.mjs': launcher(), '.lab/check.mjs': checkerServer });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const urls: string[] = [];
    const run = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined, onServerReady: (url) => urls.push(url) });
    await sleep(10);
    await runtime.check(() => undefined);
    expect(urls).toEqual([previewUrl(APP_PORT)]);
    await run.kill();
  });

  it('waits for the port the app announced when the announcement comes first, and forgets a stopped run', async () => {
    const container = quirky({
      '.lab/run.mjs': async ({ print, input, listen }) => {
        print(ANNOUNCE);
        await sleep(20);
        listen(REDIS_PORT, { http: false });
        listen(APP_PORT);
        for await (const chunk of input) if (chunk === '\x03') return 130;
        return 0;
      },
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const urls: string[] = [];
    const run = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined, onServerReady: (url) => urls.push(url) });
    await sleep(50);
    expect(urls).toEqual([previewUrl(APP_PORT)]);
    await run.kill();
    const later = await runtime.run('node app.js', { onOutput: () => undefined });
    await sleep(10);
    expect(urls).toHaveLength(1);
    await later.kill().catch(() => undefined);
  });
});
