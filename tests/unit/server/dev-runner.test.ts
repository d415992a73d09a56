/**
 * The local runner inside `astro dev`: a real dev server as a child process, driven over HTTP the way a
 * chapter page drives it, then stopped with Ctrl-C (SIGINT) as an instructor stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import { devRunner } from '../../../src/integrations/dev-runner.ts';
import { TOKEN_HEADER, TOKEN_META } from '../../../src/workspace/runtime/local/protocol.ts';
import { ROOT_DIR } from '../../../src/server/config.ts';
import { checkEvents } from '../support/check-output.ts';
import { processesIn, raw, tempDir, type RawResponse } from './helpers.ts';

const ASTRO = join(ROOT_DIR, 'node_modules/astro/bin/astro.mjs');
const TOKEN_TAG = new RegExp(`<meta name="${TOKEN_META}" content="([^"]+)">`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

interface DevServer {
  child: ChildProcess;
  port: number;
  /** In the shape `raw()` takes. */
  address: { port: number };
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startDev(tmp: string): Promise<DevServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [ASTRO, 'dev', '--port', String(port), '--host', '127.0.0.1', '--ignore-lock'], {
    cwd: ROOT_DIR,
    // A fresh environment: the test runner's own (VITEST, NODE_ENV=test) makes Astro serve no pages.
    // TMPDIR puts the session workspaces where this test can look for leftover processes.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmp, TMPDIR: tmp, ASTRO_TELEMETRY_DISABLED: '1' },
    // stdin stays open: Vite stops the dev server when its stdin ends.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`astro dev exited with ${child.exitCode}:\n${output}`);
    const ready = await raw({ address: { port } }, '/').then((res) => res.status === 200, () => false);
    if (ready) return { child, port, address: { port }, output: () => output, exit };
    if (Date.now() > deadline) {
      child.kill('SIGINT');
      throw new Error(`astro dev did not answer on port ${port} within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the lab runner in astro dev', () => {
  const temp = tempDir('tfl-dev-runner-');
  let dev: DevServer;
  let host: string;
  let token: string;
  const call = (path: string, init: { method?: string; headers?: Record<string, string>; json?: unknown } = {}): Promise<RawResponse> =>
    raw(dev, `/__runner${path}`, {
      method: init.method ?? 'POST',
      headers: { host, origin: `http://${host}`, [TOKEN_HEADER]: token, 'content-type': 'application/json', ...init.headers },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });

  beforeAll(async () => {
    dev = await startDev(temp.dir);
    host = `127.0.0.1:${dev.port}`;
  }, 90_000);

  afterAll(() => {
    if (dev?.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGKILL');
    // Whatever a failed run left behind must not outlive the test.
    for (const pid of processesIn(temp.dir)) process.kill(pid, 'SIGKILL');
    temp.remove();
  });

  it('gives a chapter page the token, and only under the dev server’s own Host', async () => {
    const page = await raw(dev, '/factors/03-config/', { headers: { host, accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    token = TOKEN_TAG.exec(page.text)?.[1] ?? '';
    expect(token, 'the page carries the runner token').toMatch(/^[\w-]{40,}$/);
    // The tag comes first in <head>, before any script that reads it.
    expect(page.text).toMatch(new RegExp(`<head[^>]*>${TOKEN_TAG.source}`));

    const rebound = await raw(dev, '/factors/03-config/', { headers: { host: `attacker.example:${dev.port}`, accept: 'text/html' } });
    expect(rebound.text).not.toContain(TOKEN_META);
  });

  it('refuses runner requests without the token, from another Origin or under another Host', async () => {
    const body = { lab: '03-config', files: {} };
    const noToken = await call('/sessions', { json: body, headers: { [TOKEN_HEADER]: '' } });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain(TOKEN_HEADER);
    expect((await call('/sessions', { json: body, headers: { origin: 'http://attacker.example' } })).status).toBe(403);
    expect((await call('/sessions', { json: body, headers: { host: `attacker.example:${dev.port}` } })).status).toBe(403);
  });

  it('runs the Config lab’s checker to a verdict with the token', async () => {
    const created = await call('/sessions', { json: { lab: '03-config', files: {} } });
    expect(created.status, created.text).toBe(201);
    const session = (JSON.parse(created.text) as { session: string }).session;
    const check = await call(`/sessions/${session}/check`);
    expect(check.status).toBe(200);
    const events = checkEvents(check.text);
    expect(events[0]).toMatchObject({ type: 'plan', lab: '03-config' });
    // The starter breaks the factor, so the verdict is a failure, reached by really running the app.
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'fail' });

    // Something still running when the dev server stops: the next test expects it gone.
    const started = await call(`/sessions/${session}/processes`, { json: { command: 'sleep 300' } });
    expect(started.status, started.text).toBe(201);
  }, 180_000); // a starter waits out the kit's largest budget (3 s × 10) on a loaded machine

  it('stops every lab process and workspace when the dev server is stopped with Ctrl-C', async () => {
    const running = (): number[] => processesIn(temp.dir);
    const deadline = Date.now() + 5_000;
    while (running().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running().length, 'the sleep started by the previous test runs').toBeGreaterThan(0);

    dev.child.kill('SIGINT');
    const exited = await dev.exit;
    expect(exited.signal ?? exited.code, dev.output()).not.toBeNull();
    expect(running()).toEqual([]);
    const workspaces = existsSync(temp.dir) ? readdirSync(temp.dir).filter((name) => name.startsWith('twelve-factor-lab-')) : [];
    expect(workspaces).toEqual([]);
  }, 30_000);
});

describe('when the dev server may not host the runner', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** Runs the integration's setup against a stand-in for Vite's dev server; returns what it mounted and said. */
  const setup = async (host: string | boolean | undefined): Promise<{ mounted: number; warnings: string[] }> => {
    const warnings: string[] = [];
    let mounted = 0;
    const server = {
      config: { server: { host } },
      httpServer: createHttpServer(),
      middlewares: { use: () => void (mounted += 1) },
      close: async () => {},
    };
    const logger = { info: () => {}, debug: () => {}, error: () => {}, warn: (line: string) => void warnings.push(line) };
    const hook = devRunner().hooks['astro:server:setup'];
    // The stand-in has only what the integration touches.
    await hook?.({ server, logger } as unknown as Parameters<NonNullable<typeof hook>>[0]);
    // Closing lets a mounted runner remove what it hooked into this process (its SIGINT listener).
    const interrupts = process.listenerCount('SIGINT');
    await server.close();
    expect(process.listenerCount('SIGINT')).toBe(interrupts - mounted);
    return { mounted, warnings };
  };

  it('stays off with LAB_RUNTIME=webcontainer, and says why', async () => {
    vi.stubEnv('LAB_RUNTIME', 'webcontainer');
    const { mounted, warnings } = await setup(undefined);
    expect(mounted).toBe(0);
    expect(warnings.join('\n')).toContain('LAB_RUNTIME=webcontainer');
  });

  it('stays off on a host other machines can reach unless RUNNER_ALLOW_REMOTE=1', async () => {
    vi.stubEnv('LAB_RUNTIME', '');
    vi.stubEnv('RUNNER_ALLOW_REMOTE', '');
    const { mounted, warnings } = await setup(true);
    expect(mounted).toBe(0);
    expect(warnings.join('\n')).toContain('RUNNER_ALLOW_REMOTE=1');

    vi.stubEnv('RUNNER_ALLOW_REMOTE', '1');
    expect((await setup(true)).mounted).toBe(1);
  });

  it('refuses to start with LAB_RUNTIME=local on such a host, naming the variable', async () => {
    vi.stubEnv('LAB_RUNTIME', 'local');
    vi.stubEnv('RUNNER_ALLOW_REMOTE', '');
    await expect(setup('0.0.0.0')).rejects.toThrow(/LAB_RUNTIME=local cannot be honoured: HOST=0\.0\.0\.0/);
  });
});
