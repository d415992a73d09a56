import { afterEach, describe, expect, it } from 'vitest';
import type { RunnerEvent } from '../../../src/workspace/runtime/local/protocol.ts';
import { createSession, listen, runner, startTestServer, type EventStream, type TestServer } from './helpers.ts';

const exitOf = (process: string) => (e: RunnerEvent) => e.type === 'exit' && e.process === process;

describe('the lab shell without a terminal', () => {
  let server: TestServer;
  let stream: EventStream | undefined;
  afterEach(async () => {
    stream?.close();
    await server.stop();
  });

  it('starts with its prompt, not a job-control notice, and still shows what commands write to stderr', async () => {
    server = await startTestServer();
    const session = await createSession(server);
    stream = await listen(server, session);
    const started = await runner(server, `/sessions/${session}/processes`, { method: 'POST', json: { shell: true } });
    expect(started.status, started.text).toBe(201);
    const shell = (JSON.parse(started.text) as { process: string }).process;
    await runner(server, `/sessions/${session}/processes/${shell}/stdin`, { method: 'POST', body: 'echo to-stdout; echo "sh: to-stderr" >&2; exit 0\n' });
    await stream.waitFor(exitOf(shell));
    const output = stream.output(shell);
    expect(output).toContain('to-stdout');
    expect(output).toContain('sh: to-stderr');
    expect(output).toMatch(/^\$ /);
    expect(output).not.toMatch(/job control|can't access tty/);
  });
});
