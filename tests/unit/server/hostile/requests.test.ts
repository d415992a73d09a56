/**
 * Hostile suite, requests that misuse the server rather than break in: framing a lab in another site
 * (clickjacking), an event stream opened and never read (memory), and a burst of session creations past
 * the cap. Today's guards (token, Origin, Host) are in guard.test.ts beside this file. Loopback only;
 * every loop is bounded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../../../src/server/config.ts';
import { createSession, eventually, listen, raw, runner, startTestServer, type TestServer } from '../helpers.ts';

describe('hostile requests', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.stop();
  });

  it('no page, runner answer or error can be framed by another site', async () => {
    server = await startTestServer();
    const responses = [
      await raw(server, '/', { headers: { host: server.host } }),
      await raw(server, '/factors/03-config/', { headers: { host: server.host } }),
      await raw(server, '/no-such-page', { headers: { host: server.host } }),
      await raw(server, '/__runner/sessions', { method: 'POST', headers: { host: server.host } }),
      await runner(server, '/sessions', { method: 'POST', json: { lab: '01-echo', files: {} } }),
    ];
    for (const res of responses) {
      expect(res.headers['content-security-policy'], String(res.status)).toBe("frame-ancestors 'self'");
      expect(res.headers['x-frame-options'], String(res.status)).toBe('SAMEORIGIN');
    }
    // Static hosts get the same two headers from public/_headers.
    const headersFile = readFileSync(join(ROOT_DIR, 'public/_headers'), 'utf8');
    const all = headersFile.slice(headersFile.indexOf('/*'), headersFile.indexOf('\n\n', headersFile.indexOf('/*')));
    expect(all).toContain("Content-Security-Policy: frame-ancestors 'self'");
    expect(all).toContain('X-Frame-Options: SAMEORIGIN');
  });

  it('cuts an event stream whose client never reads, past a bounded backlog; it reconnects with Last-Event-ID', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    // A client that sends the request and then never reads a byte.
    const stalled = connect(server.address.port, '127.0.0.1');
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.pause();
    let closed = false;
    stalled.once('close', () => (closed = true));
    stalled.on('error', () => {});
    stalled.write(`GET /__runner/sessions/${session}/events?token=${encodeURIComponent(server.token ?? '')} HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`);
    const live = server.runner?.sessions()[0];
    expect(await eventually(() => (live?.idleFor() ?? 1) === 0)).toBe(true); // attached

    // 7 MB of output (the per-process cap is 8 MB), far more than socket buffers hold.
    const res = await runner(server, `/sessions/${session}/processes`, { method: 'POST', json: { command: "head -c 7000000 /dev/zero | tr '\\0' x" } });
    expect(res.status).toBe(201);
    expect(await eventually(() => (live?.streamsDropped ?? 0) > 0, 20_000), 'the stalled stream was cut').toBe(true);
    stalled.destroy();
    expect(closed || stalled.destroyed).toBe(true);

    // A reading client gets the buffered events; one that reconnects with Last-Event-ID gets only what followed it.
    const events = await listen(server, session);
    await events.waitFor((e) => e.type === 'exit', 20_000);
    events.close();
    const resumed = await listen(server, session, { lastEventId: events.lastId - 2 });
    await resumed.waitFor((e) => e.type === 'exit');
    expect(resumed.events).toEqual(events.events.slice(-2));
    resumed.close();
  }, 40_000);

  it('twenty simultaneous session creations never make more workspaces than the cap', async () => {
    server = await startTestServer({ limits: { maxSessions: 8 } });
    const folders = (): number => readdirSync(server.workRoot).filter((name) => name.startsWith('twelve-factor-lab-')).length;
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      for (let i = 0; i < 2_000 && sampling; i++) {
        most = Math.max(most, folders());
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runner(server, '/sessions', { method: 'POST', json: { lab: '01-echo', files: { 'app.js': 'x' } } })),
    );
    sampling = false;
    await sampler;
    const created = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 429);
    expect(created + refused.length).toBe(20);
    expect(server.runner?.sessions().length).toBeLessThanOrEqual(8);
    expect(folders()).toBeLessThanOrEqual(8);
    expect(most).toBeLessThanOrEqual(8);
    if (refused[0]) expect(JSON.parse(refused[0].text).error).toBe("8 labs are open, the runner's limit; close a lab tab and try again.");
  });
});
