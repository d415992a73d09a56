import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../../src/server/local-runner/process-tree.ts';
import { createSession, listen, raw, runner, startTestServer, type EventStream, type TestServer } from './helpers.ts';

/** A long-running app that prints its pid, as a learner's server would keep running. */
const APP = `node -e "console.log('PID', process.pid); setInterval(() => {}, 1000)"`;

describe('closing a lab tab (the unload beacon)', () => {
  let server: TestServer;
  let stream: EventStream | undefined;
  afterEach(async () => {
    stream?.close();
    await server.stop();
  });

  const runningApp = async (session: string): Promise<number> => {
    stream = await listen(server, session);
    const res = await runner(server, `/sessions/${session}/processes`, { method: 'POST', json: { command: APP } });
    const process = (JSON.parse(res.text) as { process: string }).process;
    await stream.waitFor(() => /PID \d+/.test(stream!.output(process)));
    return Number(/PID (\d+)/.exec(stream.output(process))![1]);
  };

  it('ends the app and the session at once when the token comes in the query, as sendBeacon sends it', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    const pid = await runningApp(session);
    const beacon = await raw(server, `/__runner/sessions/${session}/close?token=${encodeURIComponent(server.token!)}`, {
      method: 'POST',
      headers: { host: server.host, origin: `http://${server.host}` },
    });
    expect(beacon.status).toBe(204);
    expect(isAlive(pid)).toBe(false);
    expect(server.runner?.sessions() ?? []).toHaveLength(0);
    const after = await runner(server, `/sessions/${session}/stop`, { method: 'POST' });
    expect(after.status).toBe(404);
  });

  it('still checks the Origin and the token of the beacon, and takes a query token on no other POST route', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    const token = encodeURIComponent(server.token!);
    const foreign = await raw(server, `/__runner/sessions/${session}/close?token=${token}`, {
      method: 'POST',
      headers: { host: server.host, origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const wrong = await raw(server, `/__runner/sessions/${session}/close?token=wrong`, { method: 'POST', headers: { host: server.host } });
    expect(wrong.status).toBe(403);
    const stop = await raw(server, `/__runner/sessions/${session}/stop?token=${token}`, { method: 'POST', headers: { host: server.host } });
    expect(stop.status).toBe(403);
    const byGet = await raw(server, `/__runner/sessions/${session}/close?token=${token}`, { headers: { host: server.host } });
    expect(byGet.status).toBe(403);
    expect((await runner(server, `/sessions/${session}/stop`, { method: 'POST' })).status).toBe(204);
  });
});
