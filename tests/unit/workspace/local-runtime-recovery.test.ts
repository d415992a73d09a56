import { describe, expect, it } from 'vitest';
import { LocalRuntime, RUNNER_LOST, RunnerLostError } from '../../../src/workspace/runtime/local/local-runtime.ts';
import { TOKEN_HEADER } from '../../../src/workspace/runtime/local/protocol.ts';

/** A runner that can restart (new token, every session forgotten) or stop answering. */
class RestartingRunner {
  token = 'first';
  up = true;
  sessions = new Set<string>();
  next = 0;
  readonly calls: string[] = [];
  readonly eventUrls: string[] = [];
  /** The latest event stream the page opened, to break it as a server that went away does. */
  events: { onerror: (() => void) | null; onopen: (() => void) | null } | null = null;
  pageFetches = 0;

  restart(): void {
    this.token = `token-${++this.next}`;
    this.sessions.clear();
  }

  runtime(withRecovery = true): LocalRuntime {
    return new LocalRuntime({
      token: this.token,
      fetch: async (input, init = {}) => {
        if (!this.up) throw new TypeError('Failed to fetch');
        const url = String(input);
        const method = init.method ?? 'GET';
        this.calls.push(`${method} ${url}`);
        if ((init.headers as Record<string, string>)[TOKEN_HEADER] !== this.token) {
          return Response.json({ error: 'Missing or wrong x-runner-token: reload the page (it changes on every restart).' }, { status: 403 });
        }
        if (url.endsWith('/sessions') && method === 'POST') {
          const id = `s${this.sessions.size + 1}-${this.token}`;
          this.sessions.add(id);
          return Response.json({ session: id });
        }
        const sid = /\/sessions\/([^/]+)/.exec(url)?.[1] ?? '';
        if (!this.sessions.has(sid)) return Response.json({ error: 'This lab session no longer exists.' }, { status: 404 });
        if (url.endsWith('/check')) return new Response('{"v":1,"type":"done","status":"pass","passed":1,"failed":0,"errored":0}\n');
        if (url.endsWith('/processes')) return Response.json({ process: 'p1' });
        return new Response(null, { status: 204 });
      },
      openEvents: (url) => {
        this.eventUrls.push(url);
        const events = { onmessage: null, onerror: null, onopen: null, close: () => undefined };
        this.events = events;
        return events as unknown as EventSource;
      },
      ...(withRecovery
        ? {
            currentToken: async () => {
              this.pageFetches++;
              return this.up ? this.token : null;
            },
          }
        : {}),
    });
  }
}

const lab = { lab: '03-config', files: { 'config.js': 'starter' } };

describe('the local adapter after the course server restarts', () => {
  it('reads the new token from the page, re-creates the workspace with the current files and repeats the check', async () => {
    const runner = new RestartingRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    await runtime.writeFile('config.js', 'edited before the restart');
    runner.restart();

    const done = await runtime.check(() => undefined);
    expect(done.status).toBe('pass');
    expect(runner.pageFetches).toBe(1);
    expect(runner.calls.slice(2)).toEqual([
      'POST /__runner/sessions/s1-first/check',
      'POST /__runner/sessions',
      'POST /__runner/sessions/s1-token-1/check',
    ]);
    expect(runner.eventUrls.at(-1)).toBe('/__runner/sessions/s1-token-1/events?token=token-1');
  });

  it('ends the handles of processes the old workspace ran, and starts the new Run there', async () => {
    const runner = new RestartingRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    const before = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined });
    runner.restart();
    const after = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined });
    expect(await before.exit).toBeNull();
    expect(after).toBeDefined();
    expect(runner.calls.at(-1)).toBe('POST /__runner/sessions/s1-token-1/processes');
  });

  it('says in plain words to reload when the server is gone, and sends the files once it is back', async () => {
    const runner = new RestartingRunner();
    const runtime = runner.runtime();
    await runtime.mount(lab);
    runner.up = false;
    const lost = await runtime.check(() => undefined).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(RunnerLostError);
    expect((lost as Error).message).toBe(RUNNER_LOST);
    expect(RUNNER_LOST).toBe('The course server restarted or stopped. Reload the page to reconnect — your edits are saved in this browser.');

    runner.up = true;
    runner.restart();
    await runtime.writeFile('config.js', 'typed while it was down');
    expect(runner.calls.slice(-2)).toEqual(['POST /__runner/sessions', 'PUT /__runner/sessions/s1-token-1/files/config.js']);
  });

  it('without a way to read the page again, a refused token is a lost runner, not a raw transport error', async () => {
    const runner = new RestartingRunner();
    const runtime = runner.runtime(false);
    await runtime.mount(lab);
    runner.restart();
    await expect(runtime.check(() => undefined)).rejects.toThrow(RUNNER_LOST);
  });

  it('a page refused at its first connection says why once, with a single full stop', async () => {
    const runtime = new LocalRuntime({
      token: 'first',
      fetch: async () => Response.json({ error: 'Missing or wrong x-runner-token: reload the page (it changes on every restart).' }, { status: 403 }),
      openEvents: () => ({ onmessage: null, onerror: null, close: () => undefined }) as unknown as EventSource,
    });
    const error = (await runtime.mount(lab).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toBe('The lab runner refused this page (Missing or wrong x-runner-token: reload the page (it changes on every restart)).');
    expect(error.message).not.toContain('.).');
  });
});

describe('the local adapter when the course server goes away and comes back', () => {
  it('says so the moment the event stream breaks, and reconnects by itself with the current files once the server answers', async () => {
    const runner = new RestartingRunner();
    const runtime = runner.runtime();
    const heard: string[] = [];
    runtime.onConnection((state) => heard.push(state));
    await runtime.mount(lab);
    await runtime.writeFile('config.js', 'edited before the server stopped');
    runner.up = false;
    runner.events!.onerror!();
    expect(heard).toEqual(['lost']);
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    expect(heard).toEqual(['lost']);
    runner.restart();
    runner.up = true;
    await expect.poll(() => heard, { timeout: 4_000 }).toEqual(['lost', 'back']);
    expect(runner.sessions.size).toBe(1);
    expect(runner.eventUrls.at(-1)).toMatch(/\/sessions\/s1-token-1\/events\?token=token-1$/);
    await runtime.dispose();
  });
});

