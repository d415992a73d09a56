/**
 * Shared setup for the server tests: a copy of the fixture site (precompressed like a real build), a
 * server started in-process on a free port, a lab source that needs no real lab, and a raw HTTP client
 * (fetch cannot send a forged Host header, which the DNS-rebinding tests need).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
  /** Resolves with the first event (past or future) matching `predicate`. */
  waitFor(predicate: (event: RunnerEvent) => boolean, timeoutMs?: number): Promise<RunnerEvent>;
  /** All output of `process` so far, joined. */
  output(process: string): string;
  close(): void;
}

/** Listens to a session's server-sent events the way EventSource does (token in the query). */
export function listen(server: TestServer, session: string): Promise<EventStream> {
  return new Promise((resolvePromise, reject) => {
    const events: RunnerEvent[] = [];
    const waiters = new Set<() => void>();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.address.port,
        path: `/__runner/sessions/${session}/events?token=${encodeURIComponent(server.token ?? '')}`,
        headers: { host: server.host, accept: 'text/event-stream' },
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
            const data = buffer.slice(0, end).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            if (data) events.push(JSON.parse(data) as RunnerEvent);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
          }
          for (const wake of waiters) wake();
        });
        res.on('error', () => {});
        resolvePromise({
          events,
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
        });
      },
    );
    req.on('error', (error) => reject(error));
    req.end();
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
