import { describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyLabs } from '../../../src/lab-model/verify.ts';

describe('labs:verify', () => {
  it('catches an unsound lab: a "solution" that still hard-codes the port, and a fixture blamed on the wrong check', async () => {
    const root = await mkdtemp(join(tmpdir(), 'labs-unsound-'));
    try {
      for (const dir of ['_kit', '_base', '03-config']) await cp(join('labs', dir), join(root, dir), { recursive: true });
      await rm(join(root, '03-config/fixtures'), { recursive: true });
      await cp('labs/03-config/fixtures/greeting-typo', join(root, '03-config/fixtures/greeting-typo'), { recursive: true });
      const fixtureJson = join(root, '03-config/fixtures/greeting-typo/fixture.json');
      await writeFile(fixtureJson, (await readFile(fixtureJson, 'utf8')).replace('"greeting-from-env"', '"fails-fast"'));
      // The Config solution is the base app itself, so the lab has no solution/ folder of its own.
      await mkdir(join(root, '03-config/solution'), { recursive: true });
      await writeFile(join(root, '03-config/solution/config.js'), await readFile('labs/03-config/starter/config.js', 'utf8'));

      const reports = await verifyLabs(['03-config'], { root, concurrency: 3 });
      const byVariant = Object.fromEntries(reports.map((r) => [r.variant, r]));
      expect(byVariant['starter']?.ok).toBe(true);
      expect(byVariant['solution']?.ok).toBe(false);
      expect(byVariant['solution']?.note).toMatch(/^the solution must pass every check; reads-port: fail/);
      expect(byVariant['fixture greeting-typo']?.ok).toBe(false);
      expect(byVariant['fixture greeting-typo']?.note).toMatch(/^fails-fast was pass/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 40_000);
});
