/**
 * Shared setup for the server tests: a copy of the fixture site (precompressed like a real build), a
 * server started in-process on a free port, a lab source that needs no real lab, and a raw HTTP client
 * (fetch cannot send a forged Host header, which the DNS-rebinding tests need).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { DEFAULT_LIMITS, loadConfig, ROOT_DIR, type RunnerLimits, type ServerConfig } from '../../../src/server/config.ts';
import { createLogger } from '../../../src/server/log.ts';
import type { LabSource } from '../../../src/server/local-runner/lab-source.ts';
import { isAlive } from '../../../src/server/local-runner/process-tree.ts';
import { startServer, type RunningServer } from '../../../src/server/server.ts';
import { TOKEN_HEADER, type RunnerEvent } from '../../../src/workspace/runtime/local/protocol.ts';

export const FIXTURE_SITE = resolve(import.meta.dirname, 'fixtures/site');

/** A temporary folder removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the fixture site and runs the real precompress step over it. */
export function fixtureSite(into: string): string {
  const site = join(into, 'site');
  cpSync(FIXTURE_SITE, site, { recursive: true });
  execFileSync(process.execPath, [join(ROOT_DIR, 'scripts/precompress.ts'), site], { stdio: 'pipe' });
  return site;
}

/**
 * Labs for runner tests. `01-echo`: a checker that plans two checks and passes them. `02-hang`: a checker
 * that plans one check and never finishes. `03-crash`: a checker that dies after its plan.
 */
export const fakeLabs: LabSource = {
  async prepare(dir, lab, files) {
    const checkers: Record<string, string> = {
      '01-echo': [
        `const emit = (e) => console.log(JSON.stringify({ v: 1, ...e }));`,
        `emit({ type: 'plan', lab: '01-echo', checks: [{ id: 'one', title: 'One' }, { id: 'two', title: 'Two' }] });`,
        `console.log('a stray line');`,
        `emit({ type: 'result', check: 'one', status: 'pass', message: 'ok', hints: [], ms: 1 });`,
        `emit({ type: 'result', check: 'two', status: 'pass', message: 'ok', hints: [], ms: 1 });`,
        `emit({ type: 'done', status: 'pass', passed: 2, failed: 0, errored: 0 });`,
      ].join('\n'),
      '02-hang': [
        `console.log(JSON.stringify({ v: 1, type: 'plan', lab: '02-hang', checks: [{ id: 'forever', title: 'Never ends' }] }));`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'),
      '03-crash': [
        `console.log(JSON.stringify({ v: 1, type: 'plan', lab: '03-crash', checks: [{ id: 'boom', title: 'Crashes' }] }));`,
        `console.error('Error: the checker fell over');`,
        `process.exit(3);`,
      ].join('\n'),
      // Runs the learner's app.js (as a real checker would), then fails it: a pass can only be forged.
      '04-strict': [
        `import { spawnSync } from 'node:child_process';`,
        `const emit = (e) => console.log(JSON.stringify({ v: 1, ...e }));`,
        `emit({ type: 'plan', lab: '04-strict', checks: [{ id: 'strict', title: 'Never satisfied' }] });`,
        `spawnSync(process.execPath, ['app.js'], { stdio: 'ignore', timeout: 5000 });`,
        `emit({ type: 'result', check: 'strict', status: 'fail', message: 'verdict of the real checker', hints: [], ms: 1 });`,
        `emit({ type: 'done', status: 'fail', passed: 0, failed: 1, errored: 0 });`,
        `process.exit(1);`,
      ].join('\n'),
    };
    const checker = checkers[lab];
    if (!checker) {
      const { HttpError } = await import('../../../src/server/local-runner/http.ts');
      throw new HttpError(400, `lab: "${lab}" is not a lab; labs are ${Object.keys(checkers).join(', ')}.`);
    }
    const hidden = { '.lab/check.mjs': checker };
    for (const [path, text] of Object.entries({ ...files, ...hidden })) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return { checkCommand: 'node .lab/check.mjs', hidden };
  },
};

export interface TestServer extends RunningServer {
  logs: string[];
  host: string;
  config: ServerConfig;
  workRoot: string;
  stop(): Promise<void>;
}

export async function startTestServer(
  options: { env?: Record<string, string>; limits?: Partial<RunnerLimits>; labs?: LabSource } = {},
): Promise<TestServer> {
  const temp = tempDir('tfl-server-test-');
  const site = fixtureSite(temp.dir);
  const workRoot = join(temp.dir, 'work');
  mkdirSync(workRoot);
  const config = loadConfig({ PORT: '0', DIST_DIR: site, BUILD_ON_START: 'never', SHUTDOWN_GRACE_MS: '2000', ...options.env });
  config.limits = { ...DEFAULT_LIMITS, ...config.limits, ...options.limits };
  const logs: string[] = [];
  const logger = createLogger((line) => logs.push(line));
  const server = await startServer(config, { logger, labs: options.labs ?? fakeLabs, workRoot });
  return {
    ...server,
    logs,
    config,
    workRoot,
    host: `127.0.0.1:${server.address.port}`,
    async stop() {
      await server.shutdown();
      temp.remove();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One HTTP request on its own connection, with full control over headers (Host included). */
export function raw(
  server: { address: { port: number } },
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.address.port, path, method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A runner request as the course's own page makes it: right Host, Origin and token. */
export function runner(
  server: TestServer,
  path: string,
  init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {
    host: server.host,
    origin: `http://${server.host}`,
    [TOKEN_HEADER]: server.token ?? '',
    ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...init.headers,
  };
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  return raw(server, `/__runner${path}`, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
}

/** Creates a session of a fake lab and returns its id. */
export async function createSession(server: TestServer, lab = '01-echo', files: Record<string, string> = { 'app.js': 'console.log("hi")\n' }): Promise<string> {
  const res = await runner(server, '/sessions', { method: 'POST', json: { lab, files } });
  if (res.status !== 201) throw new Error(`session creation failed: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { session: string }).session;
}

export interface EventStream {
  events: RunnerEvent[];
  /** The `id:` of the latest event received (what an EventSource sends back as Last-Event-ID). */
  lastId: number;
  /** Resolves with the first event (past or future) matching `predicate`. */
  waitFor(predicate: (event: RunnerEvent) => boolean, timeoutMs?: number): Promise<RunnerEvent>;
  /** All output of `process` so far, joined. */
  output(process: string): string;
  close(): void;
}

/** Listens to a session's server-sent events the way EventSource does (token in the query). */
export function listen(server: TestServer, session: string, options: { lastEventId?: number } = {}): Promise<EventStream> {
  return new Promise((resolvePromise, reject) => {
    const events: RunnerEvent[] = [];
    const waiters = new Set<() => void>();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.address.port,
        path: `/__runner/sessions/${session}/events?token=${encodeURIComponent(server.token ?? '')}`,
        headers: { host: server.host, accept: 'text/event-stream', ...(options.lastEventId ? { 'last-event-id': String(options.lastEventId) } : {}) },
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`events answered ${res.statusCode}`));
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const frame = buffer.slice(0, end).split('\n');
            const data = frame.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            const id = frame.find((l) => l.startsWith('id: '));
            if (id) stream.lastId = Number(id.slice(4));
            if (data) events.push(JSON.parse(data) as RunnerEvent);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
          }
          for (const wake of waiters) wake();
        });
        res.on('error', () => {});
        resolvePromise(stream);
      },
    );
    const stream: EventStream = {
      events,
      lastId: 0,
      waitFor(predicate, timeoutMs = 10_000) {
        return new Promise((resolveEvent, rejectEvent) => {
          const check = (): void => {
            const found = events.find(predicate);
            if (!found) return;
            waiters.delete(check);
            clearTimeout(timer);
            resolveEvent(found);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            rejectEvent(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 2000)}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
      output: (process) =>
        events
          .filter((e): e is Extract<RunnerEvent, { type: 'output' }> => e.type === 'output' && e.process === process)
          .map((e) => e.data)
          .join(''),
      close: () => req.destroy(),
    };
    req.on('error', (error) => reject(error));
    req.end();
  });
}

/** Pids of live processes whose command line contains `text` (Linux /proc). */
export function processesRunning(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').includes(text) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Waits (bounded) until `predicate` holds; returns whether it did. */
export async function eventually(predicate: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return predicate();
}

export interface ServerProcess {
  child: ChildProcess;
  /** The server's own pid (under `npm start`, not the child's). */
  pid: number;
  port: number;
  token: string;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
  /** A runner request as the page makes it. */
  request(path: string, init?: { method?: string; json?: unknown; body?: string }): Promise<RawResponse>;
}

/**
 * Starts the real server as a separate process: `node src/server/main.ts`, or `npm start` (through npm
 * and its script shell, as a learner or a process manager starts it). Resolves once it listens.
 */
export function spawnServer(options: { site: string; env?: Record<string, string>; via?: 'node' | 'npm' }): Promise<ServerProcess> {
  const env = {
    PATH: `${join(ROOT_DIR, 'node_modules', '.bin')}${delimiter}${process.env['PATH'] ?? ''}`,
    HOME: process.env['HOME'] ?? '/tmp',
    PORT: '0',
    DIST_DIR: options.site,
    BUILD_ON_START: 'never',
    ...options.env,
  };
  const child =
    options.via === 'npm'
      ? spawn('npm', ['start', '--silent'], { cwd: ROOT_DIR, env, stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(process.execPath, [join(ROOT_DIR, 'src/server/main.ts')], { cwd: ROOT_DIR, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolvePromise, reject) => {
    let buffer = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (!text.startsWith('{')) continue; // npm's own banner lines
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (line['msg'] !== 'listening') continue;
        const port = Number(line['port']);
        const host = `127.0.0.1:${port}`;
        void raw({ address: { port } }, '/', { headers: { host } }).then((page) => {
          const token = (/name="lab-runner-token" content="([^"]+)"/.exec(page.text)?.[1] ?? '') as string;
          resolvePromise({
            child,
            pid: Number(line['pid']),
            port,
            token,
            lines,
            exit,
            request: (path, init = {}) =>
              raw({ address: { port } }, `/__runner${path}`, {
                method: init.method ?? 'GET',
                headers: { host, origin: `http://${host}`, [TOKEN_HEADER]: token, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
                ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.body !== undefined ? { body: init.body } : {}),
              }),
          });
        }, reject);
      }
    });
    void exit.then((code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

/** Pids of live processes whose working directory is inside `dir` (Linux /proc). */
export function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd.startsWith(dir) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to inspect.
    }
  }
  return found;
}
