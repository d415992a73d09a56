// Pins what the real labs' checks say about their starters, run by the real checker in a workspace.
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand, learnerFiles, loadLab, writeWorkspace } from '../../../src/lab-model/index.ts';
import { checkEvents } from '../support/check-output.ts';
import type { ResultEvent } from '../../../src/lab-model/check-events.ts';


const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function runChecks(id: string, checks: string[], edit: (files: Record<string, string>) => void = () => {}): Promise<Record<string, ResultEvent>> {
  const lab = await loadLab(id);
  const files = learnerFiles(lab, 'starter');
  edit(files);
  const dir = await mkdtemp(join(tmpdir(), `lab-checks-${id}-`));
  dirs.push(dir);
  await writeWorkspace(dir, lab, files);
  const { program, args } = checkCommand(lab.manifest, '--json', ...checks);
  const stdout = await new Promise<string>((done) => execFile(program, args, { cwd: dir }, (_error, out) => done(out)));
  const results = checkEvents(stdout).filter((e): e is ResultEvent => e.type === 'result');
  return Object.fromEntries(results.map((r) => [r.check, r]));
}

describe('the labs’ own checks', () => {
  it('09: does not pass "refuses new connections" for an app that SIGTERM simply killed', async () => {
    const results = await runChecks('09-disposability', ['finishes-in-flight', 'refuses-new-work']);
    expect(results['finishes-in-flight']?.status).toBe('fail');
    expect(results['refuses-new-work']).toMatchObject({
      status: 'error',
      message: 'Not run: the app was killed by SIGTERM before the checker tried a new connection, so no process was left to refuse it (see “Finishes a request in flight when told to stop”).',
    });
  }, 20_000);

  it('03: reports one setting per line, naming the most specific kind', async () => {
    const results = await runChecks('03-config', ['no-hardcoded-config']);
    expect(results['no-hardcoded-config']).toMatchObject({
      status: 'fail',
      message: "Found a setting written into the app's files. Anyone who can read the code can read it, and changing it means a new release.",
      actual: "config.js:4: a Redis URL with a password: redisUrl: 'redis://:s3cr3t-pa55@127.0.0.1:6379',",
    });
  }, 20_000);

  it('03: a syntax error is told with its place, and never counted as refusing to start without REDIS_URL', async () => {
    const results = await runChecks('03-config', ['reads-port', 'fails-fast'], (files) => {
      files['config.js'] = `improt x from 'y';\n${files['config.js']}`;
    });
    expect(results['reads-port']).toMatchObject({ status: 'error', actual: "SyntaxError: Unexpected identifier 'x'\nconfig.js:1\nimprot x from 'y';\n       ^" });
    // Node's echo of the source line holds "REDIS_URL"; the check must not take that for the app naming it.
    expect(results['fails-fast']).toMatchObject({
      status: 'fail',
      message: "Started the app without REDIS_URL; it exited with code 1 with SyntaxError: Unexpected identifier 'x' (config.js:1) — a broken program, not one that checks its settings. Any REDIS_URL in that report is Node quoting the source, not the app saying what is missing.",
    });
  }, 20_000);
});
