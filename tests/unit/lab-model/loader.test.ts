import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnerFiles, listLabIds, loadLab, writeWorkspace } from '../../../src/lab-model/index.ts';

describe('lab loader', () => {
  it('lists the labs in order', async () => {
    const ids = await listLabIds();
    expect(ids.slice(0, 3)).toEqual(expect.arrayContaining(['03-config', '06-processes', '09-disposability']));
    expect([...ids].sort()).toEqual(ids);
  });

  it('names the known labs when asked for an unknown one', async () => {
    await expect(loadLab('03-confg')).rejects.toThrow(/^"03-confg" is not a lab; labs are .*03-config, .*06-processes/);
  });

  it('composes base, common and variant files and shows only the visible ones', async () => {
    const lab = await loadLab('06-processes');
    const starter = learnerFiles(lab, 'starter');
    expect(Object.keys(starter)).toEqual(lab.manifest.files.visible);
    expect(starter['counter.js']).toContain('visitsByVisitor');
    expect(learnerFiles(lab, 'solution')['counter.js']).toContain('hincrby');
    expect(starter['server.js']).toBe(learnerFiles(lab, 'solution')['server.js']);
    expect(lab.fixtures.map((f) => f.rejectedBy)).toContain('visitor-state-shared');
    expect(lab.hidden['.lab/check.mjs']).toContain("import './06-processes/check.mjs'");
    expect(Object.keys(lab.hidden)).toEqual(expect.arrayContaining(['.lab/_kit/checker.mjs', '.lab/06-processes/lab.json', '.lab/run.mjs']));
    expect(Object.keys(lab.hidden).some((p) => p.includes('fixtures') || p.includes('starter'))).toBe(false);
  });

  it('writes a runnable workspace with the hidden .lab folder and linked node_modules', async () => {
    const lab = await loadLab('03-config');
    const dir = await mkdtemp(join(tmpdir(), 'lab-ws-'));
    try {
      await writeWorkspace(dir, lab, { ...learnerFiles(lab, 'starter'), 'config.js': '// edited\n' });
      expect(readFileSync(join(dir, 'config.js'), 'utf8')).toBe('// edited\n');
      expect(existsSync(join(dir, '.lab/03-config/check.mjs'))).toBe(true);
      expect(lstatSync(join(dir, 'node_modules')).isSymbolicLink()).toBe(true);
      expect(existsSync(join(dir, 'node_modules/ioredis/package.json'))).toBe(true);
      await expect(writeWorkspace(dir, lab, { '../escape.js': 'x' })).rejects.toThrow(/outside the workspace/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
