import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../src/workspace/runtime/local/local-runtime.ts';
import { TOKEN_HEADER, type RunnerEvent } from '../../../src/workspace/runtime/local/protocol.ts';
import { RuntimeUnavailableError } from '../../../src/workspace/runtime/types.ts';

interface Call {
  method: string;
  url: string;
  token: string | null;
  body: string | null;
}

/** A scripted runner: answers each route like the real one and pushes server-sent events on demand. */
class FakeRunner {
  readonly calls: Call[] = [];
  eventsUrl = '';
  sessions = 0;
  forget = false;
  source: { onmessage: ((message: MessageEvent) => void) | null; onerror: unknown; close(): void } | null = null;
  checkBody = '';

  push(event: RunnerEvent): void {
    this.source?.onmessage?.({ data: JSON.stringify(event) } as MessageEvent);
  }

  runtime(token = 'secret'): LocalRuntime {
    return new LocalRuntime({
      token,
      fetch: async (input, init = {}) => {
        const url = String(input);
        const method = init.method ?? 'GET';
        const headers = init.headers as Record<string, string>;
        this.calls.push({ method, url, token: headers[TOKEN_HEADER] ?? null, body: typeof init.body === 'string' ? init.body : null });
        if (this.forget && url.includes('/sessions/s1/')) return Response.json({ error: 'no such session' }, { status: 404 });
        if (url.endsWith('/sessions') && method === 'POST') return Response.json({ session: `s${++this.sessions}` });
        if (url.endsWith('/processes')) {
          // Output can beat the response that names the process: the adapter must keep it.
          this.push({ type: 'output', process: 'p1', data: 'early ' });
          return Response.json({ process: 'p1' });
        }
        if (url.endsWith('/check')) return new Response(this.checkBody);
        return new Response(null, { status: 204 });
      },
      openEvents: (url) => {
        this.eventsUrl = url;
        this.source = { onmessage: null, onerror: null, close: () => undefined };
        return this.source as unknown as EventSource;
      },
    });
  }
}

const lab = { lab: '03-config', files: { 'app.js': 'x' } };

describe('the local runner adapter', () => {
  it('creates a session with the learner files and sends the token on every request and the events URL', async () => {
    const runner = new FakeRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    await runtime.writeFile('src/my file.js', 'y');
    expect(runner.calls.map((call) => `${call.method} ${call.url}`)).toEqual([
      'POST /__runner/sessions',
      'PUT /__runner/sessions/s1/files/src/my%20file.js',
    ]);
    expect(runner.calls.every((call) => call.token === 'secret')).toBe(true);
    expect(JSON.parse(runner.calls[0]!.body!)).toEqual(lab);
    expect(runner.eventsUrl).toBe('/__runner/sessions/s1/events?token=secret');
  });

  it('streams process output, including output that arrived before the start request returned, and the exit', async () => {
    const runner = new FakeRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    let output = '';
    const app = await runtime.run('npm start', { onOutput: (chunk) => (output += chunk) });
    runner.push({ type: 'output', process: 'p1', data: 'listening' });
    runner.push({ type: 'exit', process: 'p1', code: null, signal: 'SIGKILL', reason: 'timeout' });
    expect(await app.exit).toBeNull();
    expect(output).toMatch(/^early listening[\s\S]*ran longer than the runner allows/);
  });

  it('sends Ctrl-C as an interrupt of that process, and stops sending once it has ended', async () => {
    const runner = new FakeRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    const shell = await runtime.shell({ onOutput: () => undefined });
    expect(shell?.interrupt).toBeTypeOf('function');
    shell!.write('sleep 60\n');
    shell!.interrupt!();
    shell!.write('echo after\n');
    await new Promise((resolve) => setTimeout(resolve, 10));
    // In the order typed, one at a time, so Ctrl-C cannot overtake the command it should stop.
    expect(runner.calls.slice(-3).map((call) => `${call.url.split('/').pop()} ${call.body ?? ''}`)).toEqual(['stdin sleep 60\n', 'interrupt ', 'stdin echo after\n']);
    const interrupts = (): string[] => runner.calls.filter((call) => call.url.endsWith('/interrupt')).map((call) => `${call.method} ${call.url}`);
    expect(interrupts()).toEqual(['POST /__runner/sessions/s1/processes/p1/interrupt']);
    expect(runner.calls.at(-1)?.token).toBe('secret');
    runner.push({ type: 'exit', process: 'p1', code: 0, signal: null });
    await shell!.exit;
    shell!.interrupt!();
    expect(interrupts()).toHaveLength(1);
  });

  it('reports the app address the launcher announces, and only that line', async () => {
    const runner = new FakeRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    const urls: string[] = [];
    let output = '';
    await runtime.run('npm start', { onOutput: (chunk) => (output += chunk), onServerReady: (url) => urls.push(url) });
    runner.push({ type: 'output', process: 'p1', data: '[lab] Using the embedded Redis at redis://127.0.0.1:6390\nGET http://example.test/ 200\n[lab] The visitor counter ans' });
    expect(urls).toEqual([]);
    runner.push({ type: 'output', process: 'p1', data: 'wers at \x1b[1mhttp://localhost:3000/\x1b[0m.\r\n' });
    expect(urls).toEqual(['http://localhost:3000/']);
    expect(output).toContain('The visitor counter answers at');
  });

  it('reads check events from the streamed NDJSON body and returns the verdict', async () => {
    const runner = new FakeRunner();
    runner.checkBody =
      '{"v":1,"type":"plan","lab":"03-config","checks":[{"id":"a","title":"A"}]}\n' +
      '{"v":1,"type":"result","check":"a","status":"fail","message":"m","hints":[],"ms":1}\n' +
      '{"v":1,"type":"done","status":"fail","passed":0,"failed":1,"errored":0}\n';
    const runtime = runner.runtime();
    await runtime.mount(lab);
    const types: string[] = [];
    const done = await runtime.check((event) => types.push(event.type));
    expect(types).toEqual(['plan', 'result']);
    expect(done).toMatchObject({ status: 'fail', failed: 1 });
  });

  it('reports a check stream that ends without a verdict', async () => {
    const runner = new FakeRunner();
    runner.checkBody = 'Error: Cannot find module .lab/check.mjs\n';
    const runtime = runner.runtime();
    await runtime.mount(lab);
    await expect(runtime.check(() => undefined)).rejects.toThrow(/without a verdict[\s\S]*Cannot find module/);
  });

  it('mounts the current files again when the runner has forgotten the session, then retries', async () => {
    const runner = new FakeRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    runner.forget = true;
    await runtime.writeFile('app.js', 'latest');
    expect(runner.calls.map((call) => `${call.method} ${call.url}`).slice(1)).toEqual([
      'PUT /__runner/sessions/s1/files/app.js',
      'POST /__runner/sessions',
      'PUT /__runner/sessions/s2/files/app.js',
    ]);
    expect(JSON.parse(runner.calls[2]!.body!).files['app.js']).toBe('latest');
  });

  it('turns an unreachable runner or a refused token into an unavailable runtime with a remedy', async () => {
    const down = new LocalRuntime({
      token: 't',
      fetch: async () => Promise.reject(new TypeError('Failed to fetch')),
      openEvents: () => ({ onmessage: null, onerror: null, close: () => undefined }) as unknown as EventSource,
    });
    await expect(down.mount(lab)).rejects.toBeInstanceOf(RuntimeUnavailableError);
    const refused = new LocalRuntime({
      token: 'old',
      fetch: async () => Response.json({ error: 'bad token' }, { status: 403 }),
      openEvents: () => ({ onmessage: null, onerror: null, close: () => undefined }) as unknown as EventSource,
    });
    const error = (await refused.mount(lab).catch((caught: unknown) => caught)) as RuntimeUnavailableError;
    expect(error.message).toMatch(/refused this page \(bad token\)/);
    expect(error.remedy).toMatch(/Reload/);
  });
});
