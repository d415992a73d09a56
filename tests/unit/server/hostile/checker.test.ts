/**
 * Hostile suite, the checker: a learner who rewrites the checker so that anything passes, from the
 * terminal or from the app the checker runs. The lab here (`04-strict`) runs the learner's app.js and
 * always fails it, so a "pass" can only come from a forged checker. Before the checker ran from a fresh
 * copy outside the workspace, both forgeries passed. Loopback only; bounded.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckEvent } from '../../../../src/workspace/runtime/types.ts';
import { createSession, eventually, listen, runner, startTestServer, type TestServer } from '../helpers.ts';

const FORGED = [
  `const emit = (e) => console.log(JSON.stringify({ v: 1, ...e }));`,
  `emit({ type: 'plan', lab: '04-strict', checks: [{ id: 'strict', title: 'forged' }] });`,
  `emit({ type: 'result', check: 'strict', status: 'pass', message: 'forged', hints: [], ms: 1 });`,
  `emit({ type: 'done', status: 'pass', passed: 1, failed: 0, errored: 0 });`,
].join('\n');

const verdict = (ndjson: string): CheckEvent | undefined =>
  ndjson
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CheckEvent)
    .at(-1);

describe('the checker cannot be rewritten by what it checks', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.stop();
  });

  const check = async (session: string): Promise<CheckEvent | undefined> =>
    verdict((await runner(server, `/sessions/${session}/check`, { method: 'POST' })).text);
  const dirOf = (session: string): string => server.runner?.sessions().find((s) => s.id === session)?.dir as string;

  it('a checker replaced from the terminal is laid fresh before the next Check', async () => {
    server = await startTestServer();
    const session = await createSession(server, '04-strict');
    const stream = await listen(server, session);
    const shellRes = await runner(server, `/sessions/${session}/processes`, {
      method: 'POST',
      json: { command: `cat > .lab/check.mjs <<'EOF'\n${FORGED}\nEOF` },
    });
    const id = (JSON.parse(shellRes.text) as { process: string }).process;
    await stream.waitFor((e) => e.type === 'exit' && e.process === id);
    stream.close();
    expect(readFileSync(join(dirOf(session), '.lab/check.mjs'), 'utf8')).toContain('forged');

    expect(await check(session)).toMatchObject({ type: 'done', status: 'fail' });
    expect(readFileSync(join(dirOf(session), '.lab/check.mjs'), 'utf8')).toContain('verdict of the real checker');
  });

  it('an app that rewrites the checker while the checker runs it changes no later verdict', async () => {
    server = await startTestServer();
    // The app finds the checker it runs under (its parent's command line) and overwrites it and the
    // workspace's copy: as the learner's own user it can; the copy is simply never used again.
    const app = [
      `const fs = require('node:fs');`,
      `const forged = ${JSON.stringify(FORGED)};`,
      `fs.writeFileSync('.lab/check.mjs', forged);`,
      `const argv = fs.readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8').split('\\0');`,
      `const script = argv.find((a) => a.endsWith('check.mjs'));`,
      `try { fs.chmodSync(script, 0o644); fs.writeFileSync(script, forged); console.log('rewrote', script); } catch (e) { console.log('could not', e.code); }`,
    ].join('\n');
    const session = await createSession(server, '04-strict', { 'app.js': app });
    expect(await check(session)).toMatchObject({ status: 'fail' });
    expect(readFileSync(join(dirOf(session), '.lab/check.mjs'), 'utf8')).toContain('forged');
    expect(await check(session)).toMatchObject({ status: 'fail' });
  });

  it('runs the checker from outside the workspace, read-only, and deletes the copy after the run', async () => {
    server = await startTestServer();
    const session = await createSession(server, '04-strict', {
      'app.js': `require('node:fs').writeFileSync('where.txt', require('node:fs').readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8'));`,
    });
    expect(await check(session)).toMatchObject({ status: 'fail' });
    const where = join(dirOf(session), 'where.txt');
    expect(await eventually(() => existsSync(where))).toBe(true);
    const script = readFileSync(where, 'utf8').split('\0').find((a) => a.endsWith('check.mjs')) as string;
    expect(script.startsWith(`${dirOf(session)}/`), script).toBe(false);
    expect(script.startsWith(server.workRoot)).toBe(true);
    // Deleted right after the verdict is sent.
    expect(await eventually(() => !existsSync(script)), script).toBe(true);
    expect(await eventually(() => readdirSync(server.workRoot).every((name) => !name.includes('-check-'))), readdirSync(server.workRoot).join()).toBe(true);
    // The read-only mode is shown by a copy laid the same way.
    const { layCheckerCopy } = await import('../../../../src/server/local-runner/checker-copy.ts');
    const copy = await layCheckerCopy(join(server.workRoot, 'probe-'), { hidden: { '.lab/check.mjs': 'x', '.lab/lib/a.mjs': 'y' } }, 'node .lab/check.mjs');
    try {
      const { statSync } = await import('node:fs');
      expect(statSync(join(copy.dir, '.lab/check.mjs')).mode & 0o777).toBe(0o444);
      expect(statSync(join(copy.dir, '.lab/lib')).mode & 0o777).toBe(0o555);
      expect(copy.argv).toEqual([process.execPath, join(copy.dir, '.lab/check.mjs')]);
      if (process.getuid?.() !== 0) expect(() => writeFileSync(join(copy.dir, '.lab/check.mjs'), 'forged')).toThrow();
    } finally {
      await copy.remove();
    }
    expect(existsSync(copy.dir)).toBe(false);
  });
});
