import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkEvents } from '../support/check-output.ts';
import { findCrash as findCrashUntyped, relativeTo as relativeToUntyped } from '../../../labs/_kit/crash.mjs';

interface Crash {
  error: string;
  location?: string;
  lines: string[];
}
const findCrash = findCrashUntyped as unknown as (texts: string[], rewrite?: (text: string) => string) => Crash | undefined;
const relativeTo = relativeToUntyped as unknown as (workspace: string) => (text: string) => string;

// Output as Node 24 prints it for an uncaught error thrown at the top of an ES module.
const THROWN = [
  'booting',
  'file:///tmp/lab-abc/app.js:1',
  "throw new Error('boom');",
  '      ^',
  '',
  'Error: boom',
  '    at file:///tmp/lab-abc/app.js:1:7',
  '    at ModuleJob.run (node:internal/modules/esm/module_job:377:25)',
  '    at async onImport.tracePromise.__proto__ (node:internal/modules/esm/loader:689:26)',
  '',
  'Node.js v24.9.0',
];

describe('reading a crash', () => {
  const rewrite = relativeTo('/tmp/lab-abc');

  it('puts the error first, then where it happened with the source line and caret, without Node internals', () => {
    const crash = findCrash(THROWN, rewrite);
    expect(crash).toMatchObject({ error: 'Error: boom', location: 'app.js:1' });
    expect(crash?.lines).toEqual(['Error: boom', 'app.js:1', "throw new Error('boom');", '      ^']);
  });

  it('keeps frames in the learner’s files that point elsewhere, and drops the error’s own fields', () => {
    const crash = findCrash([
      'file:///tmp/lab-abc/counter.js:9',
      '  throw error;',
      '  ^',
      '',
      'TypeError: Cannot read properties of undefined (reading \'incr\')',
      '    at countVisit (file:///tmp/lab-abc/counter.js:9:3)',
      '    at handle (file:///tmp/lab-abc/server.js:12:25)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5) {',
      "  code: 'X'",
      '}',
      '',
      'Node.js v24.9.0',
    ], rewrite);
    expect(crash?.lines).toEqual(["TypeError: Cannot read properties of undefined (reading 'incr')", 'counter.js:9', '  throw error;', '  ^', '    at handle (server.js:12:25)']);
  });

  it('names the file for an error raised inside Node, where the caret points at Node’s own code', () => {
    const crash = findCrash([
      'node:internal/modules/esm/resolve:274',
      '    throw new ERR_MODULE_NOT_FOUND(',
      '          ^',
      '',
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/tmp/lab-abc/confg.js' imported from /tmp/lab-abc/app.js",
      '    at finalizeResolution (node:internal/modules/esm/resolve:274:11)',
      '    at #link (node:internal/modules/esm/module_job:208:49) {',
      "  code: 'ERR_MODULE_NOT_FOUND',",
      '}',
      '',
      'Node.js v24.9.0',
    ], rewrite);
    expect(crash?.error).toBe("Error [ERR_MODULE_NOT_FOUND]: Cannot find module 'confg.js' imported from app.js");
    expect(crash?.location).toBeUndefined();
    expect(crash?.lines).toEqual([crash?.error]);
  });

  it('finds nothing in output that has no crash in it', () => {
    expect(findCrash(['{"level":"info","msg":"listening"}', 'TypeError: logged, not thrown'])).toBeUndefined();
  });

  it('rewrites both the file URL and the plain path of the workspace', () => {
    expect(relativeTo('/tmp/my lab')('at file:///tmp/my%20lab/app.js:1:7 and /tmp/my lab/config.js:2')).toBe('at app.js:1:7 and config.js:2');
  });
});

const kit = pathToFileURL(resolve('labs/_kit/index.mjs')).href;
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs a one-check lab (`starts`: start the app and wait for its port) against `app.js`. */
async function checkApp(app: string): Promise<{ result: Record<string, unknown>; logs: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'crash-'));
  dirs.push(dir);
  await mkdir(join(dir, 'lab'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }');
  await writeFile(join(dir, 'app.js'), app);
  await writeFile(join(dir, 'lab/lab.json'), JSON.stringify({ id: '99-test', commands: { start: 'node app.js' }, checks: [{ id: 'starts', title: 'Listens on the port given in PORT' }] }));
  await writeFile(join(dir, 'lab/check.mjs'), `import { runLab } from '${kit}';
await runLab(new URL('./lab.json', import.meta.url), {
  starts: async (t) => { const port = await t.port(); const app = t.start({ env: { PORT: String(port) } }); await app.waitForPort(port, 3000); return 'ok'; },
});`);
  const stdout = await new Promise<string>((done) => execFile(process.execPath, ['lab/check.mjs'], { cwd: dir, env: { ...process.env, LAB_CALIBRATION_FACTOR: '1' } }, (_error, out) => done(out)));
  const events = checkEvents(stdout) as unknown as Record<string, unknown>[];
  return {
    result: events.find((e) => e['type'] === 'result')!,
    logs: events.filter((e) => e['type'] === 'log').map((e) => String(e['text'])),
  };
}

describe('a check whose app crashes at start', () => {
  it('leads with the thrown error and its place in app.js, and hints at that, not at PORT', async () => {
    const { result, logs } = await checkApp("console.log('booting');\nthrow new Error('boom');\n");
    expect(result['status']).toBe('error');
    expect(result['message']).toMatch(/^The app crashed with Error: boom \(app\.js:2\) before listening on port \d+\. The check could not run\.$/);
    expect(result['actual']).toBe("booting\nError: boom\napp.js:2\nthrow new Error('boom');\n      ^");
    expect(result['hints']).toEqual(["Open app.js and fix the error at line 2, then check again; Run shows the app's whole output."]);
    const shown = [result['message'], result['actual'], ...(result['hints'] as string[]), ...logs].join('\n');
    expect(shown).not.toMatch(/node:internal|Node\.js v\d|file:\/\/|crash-/);
  });

  it('shows a syntax error with its line and caret', async () => {
    const { result } = await checkApp('improt config from "./config.js";\n');
    expect(result['status']).toBe('error');
    expect(result['message']).toMatch(/^The app crashed with SyntaxError: Unexpected identifier 'config' \(app\.js:1\) before listening/);
    expect(result['actual']).toBe(`SyntaxError: Unexpected identifier 'config'\napp.js:1\nimprot config from "./config.js";\n       ^^^^^^`);
  });
});
