// The Dependencies lab's offline npm: the lockfiles it writes, what it calls out of step, what a
// production install takes, and that the lab's committed lockfiles are the ones it writes today.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildLockfile, formatLockfile, installFromLockfile, lockfileProblems, openStore, storeDir } from '../../../labs/02-dependencies/npm-offline.mjs';
import { loadLab } from '../../../src/lab-model/index.ts';

const store = openStore(storeDir(join(process.cwd(), 'labs/02-dependencies/npm-offline.mjs'), '/nonexistent'));
const base = { name: 'visitor-counter', version: '1.0.0', type: 'module' };
const ioredis = store.versions('ioredis')[0]!;
const mock = store.versions('ioredis-mock')[0]!;
const lockOf = (pkg: object) => {
  const { lock, problems } = buildLockfile(pkg, store);
  expect(problems).toEqual([]);
  return lock!;
};

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('Dependencies lab: writing a lockfile', () => {
  it('marks a package that only a development tool brings in as a peer as dev and peer', () => {
    const lock = lockOf({ ...base, devDependencies: { 'ioredis-mock': '*' } });
    expect(lock.packages?.['node_modules/ioredis']).toMatchObject({ version: ioredis, dev: true, peer: true });
    expect(lock.packages?.['node_modules/ioredis-mock']).toMatchObject({ version: mock, dev: true });
    expect(lock.packages?.['']).toEqual({ name: 'visitor-counter', version: '1.0.0', devDependencies: { 'ioredis-mock': '*' } });
  });

  it('keeps a declared runtime package and its own dependencies for production', () => {
    const lock = lockOf({ ...base, dependencies: { ioredis: `^${ioredis}` }, devDependencies: { 'ioredis-mock': `^${mock}` } });
    const prod = Object.entries(lock.packages ?? {}).filter(([path, e]) => path && !e.dev).map(([path]) => path);
    expect(prod).toEqual(expect.arrayContaining(['node_modules/ioredis', 'node_modules/redis-parser', 'node_modules/denque']));
    expect(prod).not.toContain('node_modules/ioredis-mock');
    expect(lock.packages?.['node_modules/ioredis']?.peer).toBeUndefined();
  });

  it('refuses a package the store lacks and a range no stored version satisfies, naming both', () => {
    const { lock, problems } = buildLockfile({ ...base, dependencies: { express: '^5.0.0', ioredis: '^4.0.0' } }, store);
    expect(lock).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(/^"express" \(dependencies\) is not in this lab's offline package store/),
      expect.stringMatching(new RegExp(`^dependencies\\.ioredis: "\\^4\\.0\\.0" does not include ${ioredis.replaceAll('.', '\\.')}`)),
    ]);
  });
});

describe('Dependencies lab: is the lockfile in step with package.json?', () => {
  const pkg = { ...base, dependencies: { ioredis: `^${ioredis}` } };

  it('accepts the lockfile written for it', () => {
    expect(lockfileProblems(pkg, formatLockfile(lockOf(pkg)), store).problems).toEqual([]);
  });

  it('says what changed since: a package added, moved to another field, or re-ranged', () => {
    const old = formatLockfile(lockOf({ ...base, devDependencies: { ioredis: `^${ioredis}` } }));
    expect(lockfileProblems(pkg, old, store).problems).toEqual(expect.arrayContaining(['package.json has ioredis in dependencies, the lockfile still in devDependencies']));
    const reRanged = formatLockfile(lockOf({ ...base, dependencies: { ioredis: '*' } }));
    expect(lockfileProblems(pkg, reRanged, store).problems).toEqual([`package.json asks for ioredis "^${ioredis}", the lockfile was written for "*"`]);
    const added = formatLockfile(lockOf({ ...base }));
    expect(lockfileProblems(pkg, added, store).problems).toEqual(['package.json has ioredis in dependencies, the lockfile does not have it at all', 'the lockfile has no entry node_modules/ioredis for ioredis (dependencies)']);
  });

  it('reports a missing lockfile, one that is not JSON, and one from npm 6', () => {
    expect(lockfileProblems(pkg, undefined, store).problems[0]).toMatch(/^there is no package-lock\.json/);
    expect(lockfileProblems(pkg, '{ nope', store).problems[0]).toMatch(/^package-lock\.json is not valid JSON/);
    expect(lockfileProblems(pkg, JSON.stringify({ lockfileVersion: 1, dependencies: {} }), store).problems[0]).toMatch(/lockfileVersion 2 or 3/);
  });
});

describe('Dependencies lab: installing from a lockfile', () => {
  it('installs production packages only with omitDev, at their locked paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'npm-offline-'));
    dirs.push(dir);
    const lock = lockOf({ ...base, dependencies: { ioredis: `^${ioredis}` }, devDependencies: { 'ioredis-mock': `^${mock}` } });
    const { installed, problems } = installFromLockfile(dir, lock, store, { omitDev: true });
    expect(problems).toEqual([]);
    expect(installed.map((p) => p.name)).toContain('ioredis');
    expect(existsSync(join(dir, 'node_modules/ioredis/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/ioredis-mock'))).toBe(false);
  });

  it('refuses a version the store does not have, saying which it has', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'npm-offline-'));
    dirs.push(dir);
    const lock = lockOf({ ...base, dependencies: { ioredis: `^${ioredis}` } });
    lock.packages!['node_modules/ioredis']!.version = '5.4.1';
    expect(installFromLockfile(dir, lock, store).problems).toEqual([`ioredis@5.4.1 is not in this lab's offline store (it has ioredis ${ioredis})`]);
  });
});

describe('Dependencies lab: the committed lockfiles', () => {
  // When the course upgrades ioredis or ioredis-mock, these lockfiles go stale; rewrite each with
  // `node ../npm.mjs install --write-only` in a folder holding its package.json (solution/ for the solution).
  it('are what the offline npm writes for their package.json today', async () => {
    const lab = await loadLab('02-dependencies');
    const written = [
      { name: 'solution', files: lab.solution },
      ...lab.variants.map((v) => ({ name: `variant ${v.name}`, files: v.files })),
      ...lab.fixtures.filter((f) => !['stale-lockfile', 'hand-written-lockfile', 'no-lockfile'].includes(f.name)).map((f) => ({ name: `fixture ${f.name}`, files: f.files })),
    ];
    for (const { name, files } of written) {
      expect(files['package-lock.json'], name).toBe(formatLockfile(lockOf(JSON.parse(files['package.json']!))));
    }
    expect(await readFile('labs/02-dependencies/solution/package-lock.json', 'utf8')).toBe(lab.solution['package-lock.json']);
  });
});
