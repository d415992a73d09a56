// What counts as the app's own output: a check that looks for "REDIS_URL" in what the app said must not
// be fooled by Node quoting the source line of a crash, nor by an engine error that happens to name it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownLines } from '../../../labs/_kit/crash.mjs';
import { addressInUse } from '../../../labs/_kit/ports.mjs';

// Each program fails without REDIS_URL; the real Node output of each is what the tests read.
const PROGRAMS: Record<string, string> = {
  'syntax-error.mjs': `console.log('starting');\nexport const config = { redisUrl: process.env.REDIS_URL ?? , port: 1 };\n`,
  'reference-error.mjs': `const url = process.env[REDIS_URL];\n`,
  'thrown.mjs': `if (!process.env.REDIS_URL) throw new Error('Missing required environment variable REDIS_URL');\n`,
  'rejected.mjs': `async function main() { if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set'); }\nmain();\n`,
  'printed.mjs': `console.error('Missing REDIS_URL'); process.emitWarning('careful'); process.exit(1);\n`,
  'in-use.mjs': `import { createServer } from 'node:net'; const a = createServer().listen(0, () => createServer().listen(a.address().port));\n`,
};

let dir = '';
const out: Record<string, string[]> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'own-output-'));
  await Promise.all(Object.entries(PROGRAMS).map(async ([file, text]) => {
    await writeFile(join(dir, file), text);
    const env = { PATH: process.env['PATH'] ?? '' };
    out[file] = await new Promise((done) => execFile(process.execPath, [file], { cwd: dir, env }, (_e, stdout, stderr) => done(`${stdout}${stderr}`.split('\n'))));
  }));
}, 30_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const own = (file: string) => ownLines(out[file]!).filter((l: string) => l.trim() !== '');

describe("the app's own output", () => {
  it('leaves out a SyntaxError report, though Node quotes the source line naming REDIS_URL', () => {
    expect(out['syntax-error.mjs']!.join('\n')).toContain('REDIS_URL ?? ,'); // the echo is there …
    expect(own('syntax-error.mjs')).toEqual([]); // … but the app never ran, so it said nothing
  });

  it('leaves out a ReferenceError whose message names REDIS_URL: an accident, not a refusal', () => {
    expect(out['reference-error.mjs']!.join('\n')).toMatch(/ReferenceError: REDIS_URL is not defined/);
    expect(own('reference-error.mjs')).toEqual([]);
  });

  it("keeps the message of an error the app threw on purpose, without Node's stack", () => {
    expect(own('thrown.mjs')).toEqual(['Error: Missing required environment variable REDIS_URL']);
    expect(own('rejected.mjs')).toEqual(['Error: REDIS_URL is not set']);
  });

  it("keeps what the app printed, and drops Node's warnings", () => {
    expect(own('printed.mjs')).toEqual(['Missing REDIS_URL']);
  });

  it('reads the port an EADDRINUSE names, from a crash or from a JSON log line', () => {
    const port = addressInUse(out['in-use.mjs']!);
    expect(port).toBeGreaterThan(0);
    expect(out['in-use.mjs']!.join('\n')).toContain(`:${port}`);
    expect(addressInUse(['{"level":"error","msg":"listen EADDRINUSE: address already in use 127.0.0.1:3000"}'])).toBe(3000);
    expect(addressInUse(['listening on 3000'])).toBeUndefined();
  });
});
