import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnerFiles, listLabIds, loadLab, writeWorkspace } from '../../../src/lab-model/index.ts';

describe('lab loader', () => {
  it('lists the labs on disk in order: every NN-slug folder with a lab.json', async () => {
    const onDisk = readdirSync('labs', { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^\d\d-/.test(e.name) && existsSync(join('labs', e.name, 'lab.json')))
      .map((e) => e.name)
      .sort();
    expect(onDisk.length).toBeGreaterThanOrEqual(3);
    expect(await listLabIds()).toEqual(onDisk);
  });

  it('loads every lab on disk, with every fixture and variant composed from edits that still match', async () => {
    for (const id of await listLabIds()) {
      const lab = await loadLab(id);
      expect(lab.fixtures.length, `${id} has fixtures`).toBeGreaterThan(0);
      for (const submission of [...lab.fixtures, ...lab.variants]) expect(submission.problem, `${id} ${submission.name}`).toBeUndefined();
    }
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

  it('writes a runnable workspace: the hidden .lab folder, the app’s declared packages only, the kit’s own in .lab', async () => {
    const lab = await loadLab('03-config');
    const dir = await mkdtemp(join(tmpdir(), 'lab-ws-'));
    try {
      const report = await writeWorkspace(dir, lab, { ...learnerFiles(lab, 'starter'), 'config.js': '// edited\n' });
      expect(readFileSync(join(dir, 'config.js'), 'utf8')).toBe('// edited\n');
      expect(existsSync(join(dir, '.lab/03-config/check.mjs'))).toBe(true);
      expect(lstatSync(join(dir, 'node_modules')).isSymbolicLink()).toBe(false);
      expect(report.packages.map((p) => p.name)).toContain('ioredis');
      expect(report.problems).toEqual([]);
      for (const name of ['ioredis', 'redis-parser', 'denque']) expect(existsSync(join(dir, 'node_modules', name, 'package.json')), name).toBe(true);
      for (const name of ['astro', 'ioredis-mock', 'zod', 'vitest']) expect(existsSync(join(dir, 'node_modules', name)), name).toBe(false);
      expect(existsSync(join(dir, '.lab/node_modules/ioredis-mock/package.json'))).toBe(true);
      await expect(writeWorkspace(dir, lab, { '../escape.js': 'x' })).rejects.toThrow(/outside the workspace/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets the app import what it declares and fails an undeclared import with Node’s own error', async () => {
    const lab = await loadLab('03-config');
    const dir = await mkdtemp(join(tmpdir(), 'lab-ws-'));
    try {
      await writeWorkspace(dir, lab, {
        ...learnerFiles(lab, 'starter'),
        'declared.js': "import Redis from 'ioredis';\nconsole.log(typeof Redis);\n",
        'undeclared.js': "import 'astro';\n",
        'kit-only.js': "import 'ioredis-mock';\n",
      });
      const node = (file: string) => spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
      expect(node('declared.js').stdout).toBe('function\n');
      for (const file of ['undeclared.js', 'kit-only.js']) {
        const run = node(file);
        expect(run.status, file).toBe(1);
        expect(run.stderr, file).toMatch(/Cannot find package '(astro|ioredis-mock)' imported from .*\.js/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('overlays, fixtures and variants', () => {
    let root = '';
    const lab = async (patch: (dir: string) => Promise<void>) => {
      root = await mkdtemp(join(tmpdir(), 'labs-model-'));
      for (const dir of ['_kit', '_base', '06-processes']) await cp(join('labs', dir), join(root, dir), { recursive: true });
      await patch(join(root, '06-processes'));
      return loadLab('06-processes', root);
    };
    const json = async (file: string, change: (value: Record<string, unknown>) => void) => {
      const value = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      change(value);
      await writeFile(file, JSON.stringify(value));
    };
    afterEach(async () => {
      if (root) await rm(root, { recursive: true, force: true });
      root = '';
    });

    it('deletes the base files an overlay removes, per variant, and refuses a removal of nothing', async () => {
      const loaded = await lab(async (dir) => {
        await writeFile(join(root, '_base/Procfile'), 'web: node app.js\n');
        await json(join(dir, 'lab.json'), (m) => (m['remove'] = { starter: ['Procfile'] }));
      });
      expect('Procfile' in loaded.starter).toBe(false);
      expect(loaded.solution['Procfile']).toBe('web: node app.js\n');
      await rm(root, { recursive: true, force: true });
      await expect(lab(async (dir) => json(join(dir, 'lab.json'), (m) => (m['remove'] = { common: ['Procfile'] })))).rejects.toThrow(
        /06-processes\/lab\.json: remove\.common\[0\]: "Procfile" is not a file of _base, so there is nothing to remove; check the spelling or drop it\.$/,
      );
    });

    it('composes a fixture from edits, and keeps a drifted edit as a problem naming the fixture and the file', async () => {
      const loaded = await lab(async (dir) => {
        await writeFile(join(dir, 'solution/counter.js'), (await readFile(join(dir, 'solution/counter.js'), 'utf8')).replace("redis.multi().incr('hits')", "redis.multi().incr('visits')"));
      });
      const drifted = loaded.fixtures.find((f) => f.name === 'get-then-set');
      expect(drifted?.problem).toMatch(/fixtures\/get-then-set\/fixture\.json: edits\[0\]\.find: ".*" occurs 0 times in counter\.js, expected exactly once; the file changed since this was written/);
      expect(drifted?.files).toEqual({});
      const fine = loaded.fixtures.find((f) => f.name === 'reset-on-start');
      expect(fine?.problem).toBeUndefined();
      expect(fine?.files['counter.js']).toContain("await redis.set('hits', 0);");
      expect(fine?.files['package.json']).toBe(loaded.solution['package.json']);
    });

    it('loads correct variants with their edits, removals and whole files, and keeps them out of .lab/', async () => {
      const loaded = await lab(async (dir) => {
        await rm(join(dir, 'variants'), { recursive: true, force: true });
        await mkdir(join(dir, 'variants/two-commands'), { recursive: true });
        await writeFile(join(dir, 'variants/two-commands/variant.json'), JSON.stringify({
          $schema: '../../../../src/lab-model/schemas/variant.schema.json',
          from: 'solution',
          why: 'Two awaited commands instead of MULTI: each is atomic on its own, which is all the count needs.',
          edits: [{ file: 'counter.js', find: "const [[, total], [, yours]] = await redis.multi().incr('hits').hincrby('visits-by-visitor', visitor, 1).exec();", replace: "const total = await redis.incr('hits');\n  const yours = await redis.hincrby('visits-by-visitor', visitor, 1);" }],
        }));
        await writeFile(join(dir, 'variants/two-commands/notes.md'), 'extra file\n');
      });
      expect(loaded.variants.map((v) => v.name)).toEqual(['two-commands']);
      expect(loaded.variants[0]?.files['counter.js']).toContain("await redis.incr('hits')");
      expect(loaded.variants[0]?.files['notes.md']).toBe('extra file\n');
      expect(Object.keys(loaded.hidden).some((p) => p.includes('variants'))).toBe(false);
    });

    it('refuses a variant.json with an unknown field, naming it', async () => {
      await expect(lab(async (dir) => {
        await mkdir(join(dir, 'variants/x'), { recursive: true });
        await writeFile(join(dir, 'variants/x/variant.json'), JSON.stringify({ from: 'solution', why: 'Another right way to write it.', rejectedBy: 'shared-count' }));
      })).rejects.toThrow(/variants\/x\/variant\.json: rejectedBy: is not a variant\.json field; the fields are from, why, edits, remove\./);
    });
  });
});
