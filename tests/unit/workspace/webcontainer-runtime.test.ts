import { describe, expect, it } from 'vitest';
import { RuntimeUnavailableError, type CheckEvent } from '../../../src/workspace/runtime/types.ts';
import { WebContainerRuntime, type WebContainerDeps } from '../../../src/workspace/runtime/webcontainer/webcontainer-runtime.ts';
import { toTree } from '../../../src/workspace/runtime/webcontainer/tree.ts';
import { FakeWebContainer } from './fake-webcontainer.ts';

const snapshot = new Uint8Array([1, 2, 3]);
const lab = { lab: '03-config', files: { 'app.js': 'console.log(1)', 'src/redis.js': 'x' } };

function runtimeWith(container: FakeWebContainer, change: Partial<WebContainerDeps> = {}): WebContainerRuntime {
  return new WebContainerRuntime({
    boot: async () => container,
    loadAssets: async () => ({ hidden: { '.lab/check.mjs': '// checker' }, nodeModules: snapshot }),
    isolated: true,
    ...change,
  });
}

const events = [
  { v: 1, type: 'plan', lab: '03-config', checks: [{ id: 'port', title: 'Port' }] },
  { v: 1, type: 'log', check: 'port', source: 'checker', text: 'Started the app on 40123' },
  { v: 1, type: 'result', check: 'port', status: 'pass', message: 'ok', hints: [], ms: 12 },
  { v: 1, type: 'done', status: 'pass', passed: 1, failed: 0, errored: 0 },
];

describe('the WebContainer adapter', () => {
  it('mounts the node_modules snapshot, the hidden lab files and the learner files', async () => {
    const container = new FakeWebContainer();
    await runtimeWith(container).mount(lab);
    expect(container.snapshots).toEqual([snapshot]);
    expect(Object.fromEntries(container.files)).toEqual({ '.lab/check.mjs': '// checker', 'app.js': 'console.log(1)', 'src/redis.js': 'x' });
  });

  it('runs the checker and passes every protocol event through, terminal line endings and split chunks included', async () => {
    const container = new FakeWebContainer();
    container.programs.set('node', async ({ print }) => {
      const text = events.map((event) => JSON.stringify(event)).join('\r\n') + '\r\n';
      print(text.slice(0, 50));
      print(text.slice(50));
      return 0;
    });
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const seen: CheckEvent[] = [];
    const done = await runtime.check((event) => seen.push(event));
    expect(done).toEqual(events[3]);
    expect(seen.map((event) => event.type)).toEqual(['plan', 'log', 'result']);
    expect(container.spawned[0]).toMatchObject({ command: 'node', args: ['.lab/check.mjs', '--json'], env: {} });
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

  it('cancels a check through its signal and kills the checker', async () => {
    const container = new FakeWebContainer();
    container.programs.set('node', () => new Promise<number>(() => undefined));
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const controller = new AbortController();
    const checking = runtime.check(() => undefined, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(checking).rejects.toThrow('stopped');
    expect(container.running.size).toBe(0);
  });

  it('runs commands and the interactive shell through jsh, streaming output and taking input', async () => {
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
  });

  it('reports a killed app with a null exit code and stops everything on stopAll', async () => {
    const container = new FakeWebContainer();
    container.programs.set('jsh', () => new Promise<number>(() => undefined));
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const app = await runtime.run('node app.js', { onOutput: () => undefined });
    await app.kill();
    expect(await app.exit).toBeNull();
    await runtime.run('node app.js', { onOutput: () => undefined });
    await runtime.stopAll();
    expect(container.running.size).toBe(0);
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

  it("tells the latest run when its server is ready, and nobody once it stopped or the runtime is disposed", async () => {
    const container = new FakeWebContainer();
    container.programs.set('jsh', ({ killed }) => killed.then(() => 0));
    const runtime = runtimeWith(container);
    await runtime.mount(lab);
    const first: string[] = [];
    const second: string[] = [];
    const old = await runtime.run('npm start', { onOutput: () => undefined, onServerReady: (url) => first.push(url) });
    container.emitServerReady(3000);
    await old.kill();
    const app = await runtime.run('npm start', { onOutput: () => undefined, onServerReady: (url) => second.push(url) });
    container.emitServerReady(3001);
    expect(first).toEqual(['https://lab--3000.fake-webcontainer.test']);
    expect(second).toEqual(['https://lab--3001.fake-webcontainer.test']);
    await app.kill();
    container.emitServerReady(3002);
    expect(second).toHaveLength(1);
    expect(container.serverReadyListeners).toBe(1);
    await runtime.dispose();
    expect(container.serverReadyListeners).toBe(0);
  });

  it('explains what to do when the page is not cross-origin isolated, without booting', async () => {
    let booted = false;
    const runtime = runtimeWith(new FakeWebContainer(), { isolated: false, boot: async () => ((booted = true), new FakeWebContainer()) });
    const error = await runtime.mount(lab).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as RuntimeUnavailableError).remedy).toMatch(/npm start/);
    expect(booted).toBe(false);
  });

  it('gives up on a boot that never finishes within the bound, with the remedy', async () => {
    const runtime = runtimeWith(new FakeWebContainer(), { boot: () => new Promise(() => undefined), bootTimeoutMs: 50 });
    const started = performance.now();
    const error = await runtime.mount(lab).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as Error).message).toMatch(/did not start within/);
  });

  it('reports a boot that fails as unavailable, with the cause', async () => {
    const runtime = runtimeWith(new FakeWebContainer(), { boot: async () => Promise.reject(new Error('Failed to fetch')) });
    await expect(runtime.mount(lab)).rejects.toThrow(/failed to start: Failed to fetch/);
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
