import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { injectIntoHtml } from './head-injection.ts';

const TAG = '<meta name="t" content="x">';

/** Serves one response written by `respond` (after injection is set up) and returns what a client receives. */
async function serve(
  respond: (res: ServerResponse) => void | Promise<void>,
  options: { method?: string; onData?: () => void } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const server = createServer((_req, res) => {
    injectIntoHtml(res, TAG);
    void respond(res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', method: options.method ?? 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        options.onData?.();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    })
      .on('error', reject)
      .end();
  });
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('injecting tags into HTML responses', () => {
  it('puts the tags right after <head> and drops a Content-Length that no longer holds', async () => {
    const html = '<!DOCTYPE html><html><head><title>Config</title></head><body><header>x</header></body></html>';
    const res = await serve((res) => {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
      res.end(html);
    });
    expect(res.body).toBe(html.replace('<head>', `<head>${TAG}`));
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('finds a <head> tag split across chunks, and keeps a character split between them intact', async () => {
    const res = await serve(async (res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      const bytes = Buffer.from('<html lang="fr"><he');
      res.write(bytes);
      await tick();
      const rest = Buffer.from('ad data-x="1"><title>Café ☕</title></head><body>…</body></html>');
      const cut = rest.indexOf('☕') + 1; // Inside the three bytes of the cup.
      res.write(rest.subarray(0, cut));
      await tick();
      res.write(rest.subarray(cut));
      res.end();
    });
    expect(res.body).toBe(`<html lang="fr"><head data-x="1">${TAG}<title>Café ☕</title></head><body>…</body></html>`);
  });

  it('streams the rest of the page once the tags are in', async () => {
    let received!: () => void;
    const firstBytes = new Promise<void>((resolve) => (received = resolve));
    let outcome = '';
    const res = await serve(
      async (res) => {
        res.writeHead(200, 'OK', { 'content-type': 'text/html' });
        res.write('<head>');
        res.write('<title>t</title>');
        // A page held back until its end would never reach the client here.
        outcome = await Promise.race([firstBytes.then(() => 'streamed'), new Promise<string>((resolve) => setTimeout(resolve, 2_000, 'held back'))]);
        res.end('</head>');
      },
      { onData: () => received() },
    );
    expect(outcome).toBe('streamed');
    expect(res.body).toBe(`<head>${TAG}<title>t</title></head>`);
  });

  it('leaves other responses alone: JSON, compressed HTML and HEAD requests', async () => {
    const json = await serve((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 12 });
      res.end('{"<head>":1}');
    });
    expect(json.body).toBe('{"<head>":1}');
    expect(json.headers['content-length']).toBe('12');

    const compressed = await serve((res) => {
      res.writeHead(200, ['Content-Type', 'text/html', 'Content-Encoding', 'br']);
      res.end('<head></head>');
    });
    expect(compressed.body).toBe('<head></head>');

    const head = await serve((res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end();
    }, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('puts the tags first in a page that has no <head>', async () => {
    const res = await serve((res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<p>Not found</p>');
    });
    expect(res.body).toBe(`${TAG}<p>Not found</p>`);
  });
});
