import { describe, expect, it } from 'vitest';
import { RuntimeUnavailableError, type CheckEvent, type RuntimeStatus } from '../../../src/workspace/runtime/types.ts';
import { toSpawn } from '../../../src/workspace/runtime/webcontainer/commands.ts';
import { toTree } from '../../../src/workspace/runtime/webcontainer/tree.ts';
import { FakeWebContainer } from './fake-webcontainer.ts';
import { events, FAST, lab, protocolText, runtimeWith, snapshot } from './webcontainer-harness.ts';

describe('the WebContainer adapter', () => {
  it('mounts the hidden lab files and the learner files, and fetches no packages before the first run', async () => {
    const container = new FakeWebContainer();
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    expect(Object.fromEntries(container.files)).toEqual({ '.lab/check.mjs': '// checker', 'app.js': 'console.log(1)', 'src/redis.js': 'x' });
    expect(runtime.fetched).toBe(0);
    expect(container.snapshots).toEqual([]);
  });

  it('fetches and mounts the node_modules snapshot once, on the first command or when warmed', async () => {
    const container = new FakeWebContainer();
    container.programs.set('node', async () => 0);
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    runtime.warm();
    const first = await runtime.run('node app.js', { onOutput: () => undefined });
    await first.exit;
    await (await runtime.run('node app.js', { onOutput: () => undefined })).exit;
    expect(runtime.fetched).toBe(1);
    expect(container.snapshots).toEqual([snapshot]);
  });

  it('tries the snapshot again on the next command when fetching it failed, and says what failed', async () => {
    const container = new FakeWebContainer();
    container.programs.set('node', async () => 0);
    let attempts = 0;
    const runtime = runtimeWith(container, {
      loadAssets: async () => ({
        hidden: {},
        nodeModules: async () => {
          attempts += 1;
          if (attempts === 1) throw new Error('Failed to fetch');
          return snapshot.slice();
        },
      }),
    });
    await runtime.mount(lab);
    await expect(runtime.run('node app.js', { onOutput: () => undefined })).rejects.toThrow(/Could not load the lab's packages \(node_modules\): Failed to fetch/);
    expect(await (await runtime.run('node app.js', { onOutput: () => undefined })).exit).toBe(0);
    expect(container.snapshots).toHaveLength(1);
  });

  it('runs the checker as node by name, with the portable process model, and passes every protocol event through', async () => {
    const container = new FakeWebContainer();
    container.programs.set('node', async ({ print }) => {
      print(protocolText.slice(0, 50));
      print(protocolText.slice(50));
      return 0;
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const seen: CheckEvent[] = [];
    const done = await runtime.check((event) => seen.push(event));
    expect(done).toEqual(events[3]);
    expect(seen.map((event) => event.type)).toEqual(['plan', 'log', 'result']);
    expect(container.spawned[0]).toEqual({ command: 'node', args: ['.lab/check.mjs', '--json'], env: { LAB_PROCESS_MODEL: 'portable' } });
  });

  it('turns a checker that dies without a verdict into an error carrying its last output', async () => {
    const container = new FakeWebContainer();
    container.programs.set('node', async ({ print }) => {
      print('file:///.lab/check.mjs:3\r\nSyntaxError: Unexpected token\r\n');
      return 1;
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    await expect(runtime.check(() => undefined)).rejects.toThrow(/exit code 1\) without a verdict[\s\S]*SyntaxError/);
  });

  it('spawns a plain node command line directly and anything with shell syntax through jsh', () => {
    expect(toSpawn('node .lab/run.mjs')).toEqual({ command: 'node', args: ['.lab/run.mjs'] });
    expect(toSpawn('  node   app.js --port 3000 ')).toEqual({ command: 'node', args: ['app.js', '--port', '3000'] });
    expect(toSpawn('npm start')).toEqual({ command: 'jsh', args: ['-c', 'npm start'] });
    expect(toSpawn('PORT=4000 node app.js')).toEqual({ command: 'jsh', args: ['-c', 'PORT=4000 node app.js'] });
    expect(toSpawn('node app.js | tee log')).toEqual({ command: 'jsh', args: ['-c', 'node app.js | tee log'] });
    expect(toSpawn("node -e 'x'")).toEqual({ command: 'jsh', args: ['-c', "node -e 'x'"] });
  });

  it('runs other commands and the interactive shell through jsh, streaming output and taking input, in the portable model', async () => {
    const container = new FakeWebContainer();
    container.programs.set('jsh', async ({ args, print, input }) => {
      if (args[0] === '-c') {
        print(`ran ${args[1]}\r\n`);
        return 0;
      }
      for await (const line of input) {
        if (line === 'exit\r') return 0;
        print(`echo ${line}`);
      }
      return 0;
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    let output = '';
    const app = await runtime.run('npm start', { onOutput: (chunk) => (output += chunk) });
    expect(await app.exit).toBe(0);
    expect(output).toBe('ran npm start\r\n');
    const shell = await runtime.shell({ onOutput: (chunk) => (output += chunk), size: { cols: 80, rows: 24 } });
    shell!.write('ls\r');
    shell!.write('exit\r');
    expect(await shell!.exit).toBe(0);
    expect(output).toContain('echo ls\r');
    expect(container.spawned.map(({ env }) => env['LAB_PROCESS_MODEL'])).toEqual(['portable', 'portable']);
  });

  it('interrupts the shell by writing Ctrl-C to its terminal', async () => {
    const container = new FakeWebContainer();
    const received: string[] = [];
    container.programs.set('jsh', async ({ input }) => {
      for await (const chunk of input) {
        received.push(chunk);
        if (chunk === '\x03') return 130;
      }
      return 0;
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const shell = await runtime.shell({ onOutput: () => undefined });
    shell!.interrupt!();
    expect(await shell!.exit).toBe(130);
    expect(received).toEqual(['\x03']);
  });

  it('explains what to do when the page is not cross-origin isolated, without booting', async () => {
    let booted = false;
    const runtime = runtimeWith(new FakeWebContainer(), { isolated: false, boot: async () => ((booted = true), new FakeWebContainer()) });
    const error = await runtime.mount(lab).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as RuntimeUnavailableError).remedy).toMatch(/npm start/);
    expect(booted).toBe(false);
  });

  it('allows 45 s to boot by default, and says how long it has waited while it does', async () => {
    expect(runtimeWith(new FakeWebContainer(), { timing: {} }).mountTimeoutMs).toBe(45_000);
    const statuses: RuntimeStatus[] = [];
    const runtime = runtimeWith(new FakeWebContainer(), { boot: () => new Promise(() => undefined), timing: { ...FAST, bootMs: 1500, progressEveryMs: 600 } });
    const started = performance.now();
    const error = await runtime.mount({ ...lab, onStatus: (status) => statuses.push(status) }).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as Error).message).toMatch(/did not start within 2 seconds[\s\S]*third-party cookies or storage[\s\S]*stackblitz\.io/);
    expect((error as RuntimeUnavailableError).remedy).toMatch(/npm start/);
    const progress = statuses.map((status) => status.kind === 'progress' && status.message);
    expect(progress[0]).toBe('Starting the in-browser Node runtime…');
    expect(progress.at(-1)).toMatch(/^Starting the in-browser Node runtime… \(1 s; it may take up to 2 s\)$/);
  });

  it('reports a boot that fails as unavailable, with the cause and the browser settings that cause it most', async () => {
    const runtime = runtimeWith(new FakeWebContainer(), { boot: async () => Promise.reject(new Error('Failed to fetch')) });
    await expect(runtime.mount(lab)).rejects.toThrow(/failed to start: Failed to fetch\. Browser settings that block third-party cookies/);
  });

  it("passes the runtime's own error events on as a problem a restart may fix", async () => {
    const container = new FakeWebContainer();
    const statuses: RuntimeStatus[] = [];
    const runtime = runtimeWith(container);
    await runtime.mount({ ...lab, onStatus: (status) => statuses.push(status) });
    container.emitError('Unable to register the service worker');
    expect(statuses.at(-1)).toEqual({
      kind: 'problem',
      restart: true,
      message: expect.stringMatching(/reported an error: Unable to register the service worker\. .*allow \[\*\.\]stackblitz\.io and \[\*\.\]webcontainer\.io.*Restarting the lab runtime may help/),
    });
  });

  it('stops listening to the container once disposed, and tears it down', async () => {
    const container = new FakeWebContainer();
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    expect(container.listenerCount).toBe(3);
    await runtime.dispose();
    expect(container.listenerCount).toBe(0);
    expect(container.tornDown).toBe(true);
  });
});

describe('the mount tree', () => {
  it('nests paths into folders and refuses paths that leave the workspace', () => {
    expect(toTree({ 'a/b.js': '1', 'a/c.js': '2', 'd.js': '3' })).toEqual({
      a: { directory: { 'b.js': { file: { contents: '1' } }, 'c.js': { file: { contents: '2' } } } },
      'd.js': { file: { contents: '3' } },
    });
    expect(() => toTree({ '../etc/passwd': '' })).toThrow(/not a path inside the lab workspace/);
  });
});
