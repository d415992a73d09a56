import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_META } from '../../../src/workspace/runtime/local/protocol.ts';
import { raw, startTestServer, type TestServer } from './helpers.ts';

const TOKEN_TAG = new RegExp(`<meta name="${TOKEN_META}" content="([A-Za-z0-9_-]{43})">`);

describe('serving the built site', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sends the cross-origin isolation headers on pages, assets, 404s and runner errors alike', async () => {
    for (const path of ['/', '/_astro/lab.7b1d04aa.js', '/no/such/page', '/__runner/sessions']) {
      const res = await raw(server, path, { headers: { host: server.host } });
      expect(res.headers['cross-origin-opener-policy'], path).toBe('same-origin');
      expect(res.headers['cross-origin-embedder-policy'], path).toBe('require-corp');
      expect(res.headers['cross-origin-resource-policy'], path).toBe('same-origin');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
    }
  });

  it('serves pages by folder URL with and without the trailing slash, as HTML that is revalidated', async () => {
    for (const path of ['/factors/03-config/', '/factors/03-config', '/factors/03-config/index.html']) {
      const res = await raw(server, path, { headers: { host: server.host } });
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('Factor III: Config');
    }
  });

  it('writes the runner token into <head> of every page, the same token the runner requires', async () => {
    const home = await raw(server, '/', { headers: { host: server.host } });
    const chapter = await raw(server, '/factors/03-config/', { headers: { host: `localhost:${server.address.port}` } });
    expect(home.text.match(TOKEN_TAG)?.[1]).toBe(server.token);
    expect(chapter.text.match(TOKEN_TAG)?.[1]).toBe(server.token);
    // Before any other head content, so page scripts can always read it.
    expect(home.text).toMatch(new RegExp(`<head>${TOKEN_TAG.source}<meta charset`));
  });

  it('gives no token to a page requested under a foreign host name (DNS rebinding)', async () => {
    const res = await raw(server, '/', { headers: { host: `attacker.example:${server.address.port}` } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Fixture home');
    expect(res.text).not.toContain(TOKEN_META);
  });

  it('compresses pages with brotli or gzip as the browser accepts, and not when it refuses', async () => {
    const br = await raw(server, '/', { headers: { host: server.host, 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('Accept-Encoding');
    expect(brotliDecompressSync(br.body).toString()).toContain('Fixture home');

    const gz = await raw(server, '/', { headers: { host: server.host, 'accept-encoding': 'gzip, br;q=0' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toContain('Fixture home');

    const plain = await raw(server, '/', { headers: { host: server.host } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
  });

  it('sends the precompressed sibling of a hashed asset, cached for a year as immutable', async () => {
    const res = await raw(server, '/_astro/site.3f9a1c2e.css', { headers: { host: server.host, 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/css/);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(res.body).toString()).toContain('.rule-79');

    const js = await raw(server, '/_astro/lab.7b1d04aa.js', { headers: { host: server.host, 'accept-encoding': 'gzip' } });
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(js.body).toString()).toContain('value59');
  });

  it('sends a WebContainer snapshot as the gzip bytes it is, as octet-stream, cached for a year', async () => {
    const res = await raw(server, '/labs/node-modules/0123456789abcdef.bin', { headers: { host: server.host, 'accept-encoding': 'br, gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    // The page decompresses it itself (any host serves it small); no sibling, no content encoding.
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gunzipSync(res.body).toString()).toContain('node_modules/pkg59/');
  });

  it('revalidates unhashed files instead of caching them for long', async () => {
    const res = await raw(server, '/robots.txt', { headers: { host: server.host } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toBeTruthy();
  });

  it('answers an unchanged page with 304 when the browser sends its ETag', async () => {
    const first = await raw(server, '/', { headers: { host: server.host } });
    const again = await raw(server, '/', { headers: { host: server.host, 'if-none-match': String(first.headers.etag) } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('serves 404.html with status 404 for unknown paths, including ones that try to climb out', async () => {
    for (const path of ['/no/such/page', '/_astro/missing.js', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%E0%A4%A']) {
      const res = await raw(server, path, { headers: { host: server.host } });
      expect(res.status, path).toBe(404);
      expect(res.text, path).toContain('Page not found');
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    }
  });

  it('does not serve the build stamp or other dotfiles', async () => {
    const res = await raw(server, '/.build-stamp', { headers: { host: server.host } });
    expect(res.status).toBe(404);
  });

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const head = await raw(server, '/', { method: 'HEAD', headers: { host: server.host } });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const post = await raw(server, '/', { method: 'POST', headers: { host: server.host } });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('logs one JSON line per request with time, method, path, status and duration, never the query', async () => {
    await raw(server, '/factors/03-config/?token=secret-value', { headers: { host: server.host } });
    await raw(server, '/missing', { headers: { host: server.host } });
    // The log line is written when the response closes, just after the client has its bytes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const hit = lines.find((l) => l['path'] === '/factors/03-config/');
    expect(hit).toMatchObject({ level: 'info', msg: 'request', method: 'GET', status: 200 });
    expect(typeof hit?.['ms']).toBe('number');
    expect(new Date(String(hit?.['time'])).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(lines.find((l) => l['path'] === '/missing')).toMatchObject({ status: 404 });
    expect(server.logs.join('\n')).not.toContain('secret-value');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'listening', runtime: 'local' });
  });
});

describe('with LAB_RUNTIME=webcontainer', () => {
  it('injects no token, mounts no runner, and says so in the log', async () => {
    const server = await startTestServer({ env: { LAB_RUNTIME: 'webcontainer' } });
    try {
      const page = await raw(server, '/', { headers: { host: server.host } });
      expect(page.text).not.toContain(TOKEN_META);
      const runnerRoute = await raw(server, '/__runner/sessions', { headers: { host: server.host } });
      expect(runnerRoute.status).toBe(404);
      expect(server.runner).toBeUndefined();
      const listening = JSON.parse(server.logs[0] as string) as Record<string, unknown>;
      expect(listening).toMatchObject({ runtime: 'webcontainer' });
      expect(String(listening['runner'])).toContain('LAB_RUNTIME=webcontainer');
    } finally {
      await server.stop();
    }
  });
});

describe('on a non-loopback HOST', () => {
  it('serves the site with the runner off and says why, unless RUNNER_ALLOW_REMOTE=1', async () => {
    const server = await startTestServer({ env: { HOST: '0.0.0.0' } });
    try {
      expect(server.runner).toBeUndefined();
      const page = await raw(server, '/', { headers: { host: server.host } });
      expect(page.status).toBe(200);
      expect(page.text).not.toContain(TOKEN_META);
      const warning = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'lab runner off');
      expect(warning).toMatchObject({ level: 'warn' });
      expect(String(warning?.['reason'])).toContain('Set RUNNER_ALLOW_REMOTE=1');
    } finally {
      await server.stop();
    }

    const allowed = await startTestServer({ env: { HOST: '0.0.0.0', RUNNER_ALLOW_REMOTE: '1' } });
    try {
      expect(allowed.runner).toBeDefined();
      const listening = JSON.parse(allowed.logs[0] as string) as Record<string, unknown>;
      expect(String(listening['warning'])).toContain('RUNNER_ALLOW_REMOTE=1');
    } finally {
      await allowed.stop();
    }
  });
});
