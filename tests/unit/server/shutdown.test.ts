import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { mkdirSync, readdirSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../../src/workspace/runtime/local/protocol.ts';
import { ROOT_DIR } from '../../../src/server/config.ts';
import { isAlive } from '../../../src/server/local-runner/process-tree.ts';
import { fixtureSite, raw, tempDir } from './helpers.ts';

/** Large enough that the socket buffers cannot swallow it: the response stays in flight while the client waits. */
const BIG = 32 * 1024 * 1024;

interface Child {
  process: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
}

function startMain(site: string, env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, [join(ROOT_DIR, 'src/server/main.ts')], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', PORT: '0', DIST_DIR: site, BUILD_ON_START: 'never', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const line = JSON.parse(buffer.slice(0, end)) as Record<string, unknown>;
        buffer = buffer.slice(end + 1);
        lines.push(line);
        if (line['msg'] === 'listening') resolve({ process: child, port: Number(line['port']), lines, exit });
      }
    });
    void exit.then((code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

function download(port: number, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path, agent: false }, resolve).on('error', reject));
}

describe('SIGTERM', () => {
  const temp = tempDir('tfl-shutdown-');
  let child: Child | undefined;
  afterEach(() => {
    if (child && child.process.exitCode === null) child.process.kill('SIGKILL');
  });
  afterAll(() => temp.remove());

  it('stops accepting, finishes the in-flight download, stops lab sessions and exits 0', async () => {
    const site = fixtureSite(temp.dir);
    writeFileSync(join(site, 'big.bin'), Buffer.alloc(BIG, 7));
    const work = join(temp.dir, 'tmp-in-flight');
    mkdirSync(work);
    child = await startMain(site, { SHUTDOWN_GRACE_MS: '10000', TMPDIR: work });
    const { port } = child;

    // A lab session with a running process, to prove shutdown takes it down too.
    const host = `127.0.0.1:${port}`;
    const page = await raw({ address: { port } }, '/', { headers: { host } });
    const token = (page.text.match(/name="lab-runner-token" content="([^"]+)"/) as RegExpMatchArray)[1] as string;
    const headers = { host, origin: `http://${host}`, [TOKEN_HEADER]: token, 'content-type': 'application/json' };
    const created = await raw({ address: { port } }, '/__runner/sessions', { method: 'POST', headers, body: JSON.stringify({ lab: '03-config', files: {} }) });
    expect(created.status, created.text).toBe(201);
    const session = (JSON.parse(created.text) as { session: string }).session;
    const started = await raw({ address: { port } }, `/__runner/sessions/${session}/processes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ command: 'echo "PID $$"; exec sleep 300' }),
    });
    expect(started.status).toBe(201);

    const res = await download(port, '/big.bin');
    expect(res.statusCode).toBe(200);
    res.pause();
    child.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));

    await expect(download(port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(child.process.exitCode).toBeNull();

    let received = 0;
    res.on('data', (chunk: Buffer) => (received += chunk.length));
    res.resume();
    await new Promise((resolve) => res.once('end', resolve));
    expect(received).toBe(BIG);

    expect(await child.exit).toBe(0);
    const messages = child.lines.map((l) => l['msg']);
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
    expect(child.lines.find((l) => l['path'] === '/big.bin')).toMatchObject({ status: 200, method: 'GET' });
    expect(child.lines.find((l) => l['msg'] === 'lab session closed')).toMatchObject({ session, why: 'server shutting down' });
  }, 30_000);

  it('cuts connections that outlast the grace period and exits 1, saying so', async () => {
    const site = fixtureSite(join(temp.dir, 'grace'));
    writeFileSync(join(site, 'big.bin'), Buffer.alloc(BIG, 7));
    child = await startMain(site, { SHUTDOWN_GRACE_MS: '300' });
    const res = await download(child.port, '/big.bin');
    res.pause();
    res.on('error', () => {});
    child.process.kill('SIGTERM');
    expect(await child.exit).toBe(1);
    expect(child.lines.find((l) => l['msg'] === 'grace period over; cut remaining connections')).toMatchObject({ level: 'warn', connections: 1 });
  }, 30_000);

  it('deletes the workspace of every session on SIGINT as well', async () => {
    const site = fixtureSite(join(temp.dir, 'sigint'));
    const work = join(temp.dir, 'tmp');
    mkdirSync(work);
    child = await startMain(site, { TMPDIR: work });
    const host = `127.0.0.1:${child.port}`;
    const page = await raw({ address: { port: child.port } }, '/', { headers: { host } });
    const token = (page.text.match(/name="lab-runner-token" content="([^"]+)"/) as RegExpMatchArray)[1] as string;
    const headers = { host, [TOKEN_HEADER]: token, 'content-type': 'application/json' };
    const created = await raw({ address: { port: child.port } }, '/__runner/sessions', { method: 'POST', headers, body: JSON.stringify({ lab: '03-config', files: {} }) });
    const session = (JSON.parse(created.text) as { session: string }).session;
    const events = await new Promise<IncomingMessage>((resolve) =>
      get({ host: '127.0.0.1', port: child?.port, path: `/__runner/sessions/${session}/events?token=${token}`, headers: { host }, agent: false }, resolve),
    );
    let output = '';
    events.setEncoding('utf8');
    events.on('data', (chunk: string) => (output += chunk));
    await raw({ address: { port: child.port } }, `/__runner/sessions/${session}/processes`, { method: 'POST', headers, body: JSON.stringify({ command: 'echo "PID $$"; exec sleep 300' }) });
    const deadline = Date.now() + 5_000;
    while (!/PID \d+/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const pid = Number((output.match(/PID (\d+)/) as RegExpMatchArray)[1]);
    expect(readdirSync(work).filter((n) => n.startsWith('twelve-factor-lab-'))).toHaveLength(1);
    expect(isAlive(pid)).toBe(true);

    child.process.kill('SIGINT');
    expect(await child.exit).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(readdirSync(work).filter((n) => n.startsWith('twelve-factor-lab-'))).toEqual([]);
    expect(existsSync(work)).toBe(true);
  }, 30_000);
});
