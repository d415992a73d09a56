import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../../../src/workspace/runtime/local/protocol.ts';
import { createSession, raw, runner, startTestServer, type TestServer } from '../helpers.ts';

describe('the runner answers only the course’s own pages', () => {
  let server: TestServer;
  let session: string;
  beforeAll(async () => {
    server = await startTestServer();
    session = await createSession(server);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('accepts a request with the token, its own Host and its own Origin', async () => {
    const res = await runner(server, `/sessions/${session}/stop`, { method: 'POST' });
    expect(res.status).toBe(204);
  });

  it('accepts a request without an Origin header (browsers omit it on same-origin GETs)', async () => {
    const noOrigin = await raw(server, `/__runner/sessions/${session}/stop`, {
      method: 'POST',
      headers: { host: server.host, [TOKEN_HEADER]: server.token as string },
    });
    expect(noOrigin.status).toBe(204);
  });

  it('refuses a missing token with 403 and a message that says to reload', async () => {
    const res = await runner(server, '/sessions', { method: 'POST', json: { lab: '01-echo', files: {} }, headers: { [TOKEN_HEADER]: '' } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toEqual({ error: expect.stringContaining('reload the page') });
  });

  it('refuses a wrong token of the right length', async () => {
    const wrong = (server.token as string).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const res = await runner(server, `/sessions/${session}/stop`, { method: 'POST', headers: { [TOKEN_HEADER]: wrong } });
    expect(res.status).toBe(403);
  });

  it('refuses a request from another origin even with the right token', async () => {
    for (const origin of ['http://evil.example', 'null', `http://localhost:${server.address.port + 1}`, `https://${server.host}`]) {
      const res = await runner(server, `/sessions/${session}/stop`, { method: 'POST', headers: { origin } });
      expect(res.status, origin).toBe(403);
      expect(res.text).toContain('may not use this lab runner');
    }
  });

  it('refuses a foreign Host (DNS rebinding) even when token and Origin agree with it', async () => {
    const host = `rebind.example:${server.address.port}`;
    const res = await runner(server, `/sessions/${session}/stop`, { method: 'POST', headers: { host, origin: `http://${host}` } });
    expect(res.status).toBe(403);
    expect(res.text).toContain('does not answer to the host');
  });

  it('accepts localhost as well as 127.0.0.1 when the Origin matches the Host used', async () => {
    const host = `localhost:${server.address.port}`;
    const res = await runner(server, `/sessions/${session}/stop`, { method: 'POST', headers: { host, origin: `http://${host}` } });
    expect(res.status).toBe(204);
  });

  it('takes the token from the query only on the events stream', async () => {
    const query = `?token=${encodeURIComponent(server.token as string)}`;
    const stop = await raw(server, `/__runner/sessions/${session}/stop${query}`, { method: 'POST', headers: { host: server.host } });
    expect(stop.status).toBe(403);
    const events = await new Promise<number>((resolve, reject) => {
      void raw(server, `/__runner/sessions/${session}/events?token=wrong`, { headers: { host: server.host } }).then((r) => resolve(r.status), reject);
    });
    expect(events).toBe(403);
  });

  it('guards unknown runner routes too, so probing learns nothing', async () => {
    const res = await raw(server, '/__runner/anything', { headers: { host: server.host } });
    expect(res.status).toBe(403);
  });

  it('answers CORS preflights with 403: no other site may even ask', async () => {
    const res = await raw(server, '/__runner/sessions', {
      method: 'OPTIONS',
      headers: { host: server.host, origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
