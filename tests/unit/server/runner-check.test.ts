import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../../src/workspace/runtime/local/protocol.ts';
import type { CheckEvent } from '../../../src/workspace/runtime/types.ts';
import { isAlive, treeMembers } from '../../../src/server/local-runner/process-tree.ts';
import { eventually, processesIn } from './helpers.ts';
import { createSession, listen, runner, startTestServer, type TestServer } from './helpers.ts';
import { checkEvents } from '../support/check-output.ts';

const events = (ndjson: string): CheckEvent[] => checkEvents(ndjson);

describe('running the checks', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.stop();
  });

  it('streams the checker’s events as NDJSON, keeping stray lines as transcript', async () => {
    server = await startTestServer();
    const session = await createSession(server, '01-echo');
    const res = await runner(server, `/sessions/${session}/check`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const stream = events(res.text);
    expect(stream.map((e) => e.type)).toEqual(['plan', 'log', 'result', 'result', 'done']);
    expect(stream[1]).toEqual({ v: 1, type: 'log', check: '', source: 'checker', text: 'a stray line' });
    expect(stream.at(-1)).toEqual({ v: 1, type: 'done', status: 'pass', passed: 2, failed: 0, errored: 0 });
  });

  it('stops a checker that runs past the limit and reports each unfinished check as timed out', async () => {
    server = await startTestServer({ limits: { checkTimeoutMs: 600 } });
    const session = await createSession(server, '02-hang');
    const started = Date.now();
    const res = await runner(server, `/sessions/${session}/check`, { method: 'POST' });
    expect(Date.now() - started).toBeLessThan(5_000);
    const stream = events(res.text);
    const result = stream.find((e) => e.type === 'result');
    expect(result).toMatchObject({ check: 'forever', status: 'error' });
    expect(result?.type === 'result' && result.message).toContain('did not finish within 1 s');
    expect(stream.at(-1)).toEqual({ v: 1, type: 'done', status: 'error', passed: 0, failed: 0, errored: 1 });
  });

  it('turns a crashed checker into an error verdict that quotes its last output', async () => {
    server = await startTestServer();
    const session = await createSession(server, '03-crash');
    const stream = events((await runner(server, `/sessions/${session}/check`, { method: 'POST' })).text);
    const result = stream.find((e) => e.type === 'result');
    expect(result?.type === 'result' && result.message).toMatch(/exit code 3.*the checker fell over/);
    expect(stream.at(-1)).toMatchObject({ type: 'done', status: 'error' });
  });

  it('refuses a second check while one runs, and Stop ends the running one with a verdict', async () => {
    server = await startTestServer();
    const session = await createSession(server, '02-hang');
    // Stop once the checker's plan is out, so the verdict has a check to name (however slow the machine).
    const first = streamCheck(server, session);
    await first.planned;
    const second = await runner(server, `/sessions/${session}/check`, { method: 'POST' });
    expect(second.status).toBe(409);
    await runner(server, `/sessions/${session}/stop`, { method: 'POST' });
    const stream = events(await first.text);
    expect(stream.find((e) => e.type === 'result')).toMatchObject({ status: 'error', message: 'The checks were stopped before they finished.' });
    expect(stream.at(-1)).toMatchObject({ type: 'done', status: 'error' });
  });
});

describe('the real Config lab on the runner', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.stop();
  });

  const check = async (files?: Record<string, string>): Promise<CheckEvent[]> => {
    const res = await runner(server, '/sessions', { method: 'POST', json: { lab: '03-config', files: files ?? {} } });
    expect(res.status, res.text).toBe(201);
    const session = (JSON.parse(res.text) as { session: string }).session;
    return events((await runner(server, `/sessions/${session}/check`, { method: 'POST' })).text);
  };

  it('fails the starter and passes the solution, with no process left behind', async () => {
    const { loadLab, learnerFiles } = await import('../../../src/lab-model/index.ts');
    const lab = await loadLab('03-config');
    server = await startTestServer({ labs: (await import('../../../src/server/local-runner/lab-source.ts')).repositoryLabs() });

    const starter = await check();
    expect(starter[0]).toMatchObject({ type: 'plan', lab: '03-config' });
    expect(starter.at(-1)).toMatchObject({ type: 'done', status: 'fail' });

    const solution = await check(learnerFiles(lab, 'solution'));
    expect(solution.at(-1), JSON.stringify(solution.filter((e) => e.type === 'result' && e.status !== 'pass'))).toMatchObject({
      type: 'done',
      status: 'pass',
      failed: 0,
      errored: 0,
    });
    // The checker started apps and an embedded Redis in the workspaces; none of them may outlive it.
    expect(processesIn(server.workRoot)).toEqual([]);
  }, 180_000); // two checks; a starter waits out the kit's largest budget (3 s × 10) on a loaded machine

  it('runs the lab’s Run command on the session’s Redis, stopped as a whole tree while that Redis stays', async () => {
    server = await startTestServer({ labs: (await import('../../../src/server/local-runner/lab-source.ts')).repositoryLabs() });
    const { loadLab, learnerFiles } = await import('../../../src/lab-model/index.ts');
    const lab = await loadLab('03-config');
    const res = await runner(server, '/sessions', { method: 'POST', json: { lab: '03-config', files: learnerFiles(lab, 'solution') } });
    const session = (JSON.parse(res.text) as { session: string }).session;
    const stream = await listen(server, session);
    const started = await runner(server, `/sessions/${session}/processes`, { method: 'POST', json: { command: lab.manifest.commands.run, kind: 'app' } });
    const id = (JSON.parse(started.text) as { process: string }).process;
    try {
      await stream.waitFor((e) => e.type === 'output' && /listening|port/i.test(stream.output(id)), 15_000);
      const [leader] = server.runner?.sessions()[0]?.pids() ?? [];
      // The launcher may announce the port a moment before the app's process exists.
      // The Run command is exec'd in place of its shell: the launcher leads, the app is its child (the
      // session's embedded Redis runs apart, for every command of the session, Run included).
      const redisPid = server.runner?.sessions()[0]?.redisPid;
      expect(redisPid).toBeGreaterThan(0);
      const others = (): number[] => processesIn(server.workRoot).filter((pid) => pid !== redisPid).sort();
      const tree = (): number[] => [leader as number, ...treeMembers(leader as number)].sort();
      await eventually(() => tree().length >= 2 && others().join() === tree().join());
      const pids = tree();
      expect(pids.length).toBeGreaterThanOrEqual(2);
      expect(others()).toEqual(pids);
      expect(stream.output(id)).toContain("Using this lab session's Redis");
      await runner(server, `/sessions/${session}/processes/${id}`, { method: 'DELETE' });
      expect(pids.filter(isAlive)).toEqual([]);
      expect(processesIn(server.workRoot)).toEqual([redisPid]);
    } finally {
      stream.close();
    }
  }, 30_000);
});

/** POSTs a check and follows its response: `planned` settles when the plan event arrived, `text` at the end. */
function streamCheck(server: TestServer, session: string): { planned: Promise<void>; text: Promise<string> } {
  let planned!: () => void;
  const plannedPromise = new Promise<void>((resolve) => (planned = resolve));
  const text = new Promise<string>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.address.port,
        path: `/__runner/sessions/${session}/check`,
        method: 'POST',
        headers: { host: server.host, origin: `http://${server.host}`, [TOKEN_HEADER]: server.token ?? '' },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.includes('"type":"plan"')) planned();
        });
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
  return { planned: plannedPromise, text };
}
