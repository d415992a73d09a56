import { describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeFixture, verifyLabs } from '../../../src/lab-model/verify.ts';
import type { CheckEvent } from '../../../src/workspace/runtime/types.ts';

describe('labs:verify', () => {
  it('catches an unsound lab: a "solution" that still hard-codes the port, and a fixture blamed on the wrong check', async () => {
    const root = await mkdtemp(join(tmpdir(), 'labs-unsound-'));
    try {
      for (const dir of ['_kit', '_base', '03-config']) await cp(join('labs', dir), join(root, dir), { recursive: true });
      await rm(join(root, '03-config/fixtures'), { recursive: true });
      await rm(join(root, '03-config/variants'), { recursive: true, force: true });
      await cp('labs/03-config/fixtures/greeting-typo', join(root, '03-config/fixtures/greeting-typo'), { recursive: true });
      const fixtureJson = join(root, '03-config/fixtures/greeting-typo/fixture.json');
      await writeFile(fixtureJson, (await readFile(fixtureJson, 'utf8')).replace('"greeting-from-env"', '"fails-fast"'));
      // The Config solution is the base app itself, so the lab has no solution/ folder of its own.
      await mkdir(join(root, '03-config/solution'), { recursive: true });
      await writeFile(join(root, '03-config/solution/config.js'), (await readFile('labs/_base/config.js', 'utf8')).replace("port('PORT', '3000')", '3000'));

      // A correct variant (must pass) and a fixture whose edit no longer matches the base (never run).
      await mkdir(join(root, '03-config/variants/destructured'), { recursive: true });
      // Written as a whole file (the lab's solution is broken here) plus an edit on top of it.
      await writeFile(join(root, '03-config/variants/destructured/config.js'), await readFile('labs/_base/config.js', 'utf8'));
      await writeFile(join(root, '03-config/variants/destructured/variant.json'), JSON.stringify({
        from: 'starter',
        why: 'Destructuring process.env with a default reads the greeting in one line.',
        edits: [{ file: 'config.js', find: "greeting: process.env.GREETING ?? 'Hello',", replace: 'greeting: GREETING,' }, { file: 'config.js', find: 'export const config', replace: "const { GREETING = 'Hello' } = process.env;\n\nexport const config" }],
      }));
      await mkdir(join(root, '03-config/fixtures/drifted'), { recursive: true });
      await writeFile(join(root, '03-config/fixtures/drifted/fixture.json'), JSON.stringify({
        from: 'solution', rejectedBy: 'reads-port', why: 'Written against a config.js that has since changed.',
        edits: [{ file: 'config.js', find: 'port: Number(process.env.APP_PORT)', replace: 'port: 3000' }],
      }));

      const reports = await verifyLabs(['03-config'], { root, concurrency: 3 });
      const byVariant = Object.fromEntries(reports.map((r) => [r.variant, r]));
      expect(byVariant['starter']?.ok).toBe(true);
      expect(byVariant['solution']?.ok).toBe(false);
      expect(byVariant['solution']?.note).toMatch(/^the solution must pass every check; reads-port: fail/);
      expect(byVariant['fixture greeting-typo']?.ok).toBe(false);
      expect(byVariant['fixture greeting-typo']?.note).toMatch(/^fails-fast was pass/);
      expect(byVariant['variant destructured']).toMatchObject({ ok: true, verdict: 'pass', expected: 'pass' });
      expect(byVariant['fixture drifted']).toMatchObject({ ok: false, verdict: 'not run', ms: 0 });
      expect(byVariant['fixture drifted']?.note).toMatch(/03-config\/fixtures\/drifted\/fixture\.json: edits\[0\]\.find: "port: Number\(process\.env\.APP_PORT\)" occurs 0 times in config\.js/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 150_000);

  it('holds a fixture to rejectedBy failing, alsoFails failing or erroring, and with alsoFails every other check passing', () => {
    const run = (statuses: Record<string, 'pass' | 'fail' | 'error'>): CheckEvent[] =>
      Object.entries(statuses).map(([check, status]) => ({ v: 1, type: 'result', check, status, message: `${check} said ${status}`, hints: [], ms: 1 }));
    expect(judgeFixture({ rejectedBy: 'a' }, run({ a: 'fail', b: 'error', c: 'fail' }))).toBeUndefined();
    expect(judgeFixture({ rejectedBy: 'a' }, run({ a: 'error', b: 'pass' }))).toBe('a was error: a said error');
    expect(judgeFixture({ rejectedBy: 'a', alsoFails: ['b'] }, run({ a: 'fail', b: 'error', c: 'pass' }))).toBeUndefined();
    expect(judgeFixture({ rejectedBy: 'a', alsoFails: ['b'] }, run({ a: 'fail', b: 'pass', c: 'fail' }))).toBe(
      'b passed, but alsoFails says it fails; c: fail: c said fail (not in alsoFails, so it must pass)',
    );
    expect(judgeFixture({ rejectedBy: 'a', alsoFails: ['b'] }, run({ a: 'fail' }))).toBe('no result for b (in alsoFails)');
    // [] is not "left out": rejectedBy alone fails, every other check must pass.
    expect(judgeFixture({ rejectedBy: 'a', alsoFails: [] }, run({ a: 'fail', b: 'pass' }))).toBeUndefined();
    expect(judgeFixture({ rejectedBy: 'a', alsoFails: [] }, run({ a: 'fail', b: 'error' }))).toBe('b: error: b said error (not in alsoFails, so it must pass)');
  });
});
