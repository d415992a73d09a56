import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { declaredPackages, installPackages, readDeclaration, resolvePackages } from '../../../src/lab-model/packages.ts';

let root = '';
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = '';
});

/** A fake course install: `pkgs` maps a path under node_modules to its package.json fields. */
async function course(pkgs: Record<string, Record<string, unknown>>): Promise<{ modulesDir: string; storeDir: string; workspace: string }> {
  root = await mkdtemp(join(tmpdir(), 'packages-'));
  const modulesDir = join(root, 'course/node_modules');
  for (const [path, fields] of Object.entries(pkgs)) {
    const name = path.split('/node_modules/').pop() as string;
    await mkdir(join(modulesDir, path, 'lib'), { recursive: true });
    await writeFile(join(modulesDir, path, 'package.json'), JSON.stringify({ name, ...fields }));
    await writeFile(join(modulesDir, path, 'lib/index.js'), `module.exports = ${JSON.stringify(`${name}@${String(fields['version'])}`)};\n`);
  }
  return { modulesDir, storeDir: join(root, 'store'), workspace: join(root, 'ws') };
}

describe('workspace packages', () => {
  it('reads the declaration from package.json and the top level of package-lock.json', () => {
    const files = {
      'package.json': JSON.stringify({ dependencies: { ioredis: '^5.4.0' }, devDependencies: { tap: '1.0.0' } }),
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/ioredis': { version: '5.11.1' }, 'node_modules/@ioredis/commands': { version: '1.10.0' }, 'node_modules/a/node_modules/b': { version: '1.0.0' } } }),
    };
    expect([...declaredPackages(files)].sort()).toEqual(['@ioredis/commands', 'ioredis', 'tap']);
    expect(readDeclaration({ 'package.json': '{ nope' }).problems[0]).toMatch(/^package\.json: not valid JSON .*; no packages were installed from it\.$/);
    expect(declaredPackages({ 'app.js': '' }).size).toBe(0);
  });

  it('installs the declared packages and their dependencies in the course’s layout, nested versions kept nested', async () => {
    const { modulesDir, storeDir, workspace } = await course({
      app: { version: '1.0.0', dependencies: { dep: '^1', shared: '^2' } },
      dep: { version: '1.2.0', dependencies: { shared: '^1' }, optionalDependencies: { absent: '1' } },
      'dep/node_modules/shared': { version: '1.0.0' },
      shared: { version: '2.0.0' },
      other: { version: '9.9.9' },
    });
    const resolved = await resolvePackages(['app'], modulesDir);
    expect(resolved.packages.map((p) => `${p.path}@${p.version}`)).toEqual(['app@1.0.0', 'dep@1.2.0', 'dep/node_modules/shared@1.0.0', 'shared@2.0.0']);
    const report = await installPackages(workspace, readDeclaration({ 'package.json': JSON.stringify({ dependencies: { app: '^1.0.0', missing: '1.0.0' } }) }), { modulesDir, storeDir });
    expect(report.problems).toEqual([`"missing" is not among the packages the course provides, so it is not installed; the labs install offline from the course's own node_modules.`]);
    expect(readFileSync(join(workspace, 'node_modules/dep/node_modules/shared/lib/index.js'), 'utf8')).toContain('shared@1.0.0');
    expect(readFileSync(join(workspace, 'node_modules/shared/lib/index.js'), 'utf8')).toContain('shared@2.0.0');
    expect(existsSync(join(workspace, 'node_modules/other'))).toBe(false);
    // Hard-linked from the store, read-only there and here.
    const installed = statSync(join(workspace, 'node_modules/app/lib/index.js'));
    expect(installed.nlink).toBeGreaterThan(1);
    expect(installed.mode & 0o222).toBe(0);
  });

  it('says when package.json or the lockfile asks for a version the course does not ship', async () => {
    const { modulesDir, storeDir, workspace } = await course({ ioredis: { version: '5.11.1' } });
    const report = await installPackages(workspace, readDeclaration({
      'package.json': JSON.stringify({ dependencies: { ioredis: '^6.0.0' } }),
      'package-lock.json': JSON.stringify({ packages: { 'node_modules/ioredis': { version: '5.3.0' } } }),
    }), { modulesDir, storeDir });
    expect(report.problems).toEqual([
      'package.json: dependencies.ioredis: asks for "^6.0.0", but the course provides ioredis 5.11.1; use a range that includes 5.11.1.',
      'package-lock.json: pins ioredis 5.3.0, but the course provides ioredis 5.11.1; ioredis 5.11.1 is installed.',
    ]);
    expect(existsSync(join(workspace, 'node_modules/ioredis/package.json'))).toBe(true);
  });

  it('rebuilds a store entry whose file was changed through a workspace, and replaces an old node_modules', async () => {
    const { modulesDir, storeDir, workspace } = await course({ app: { version: '1.0.0' } });
    await installPackages(workspace, ['app'], { modulesDir, storeDir });
    const file = join(workspace, 'node_modules/app/lib/index.js');
    chmodSync(file, 0o644);
    writeFileSync(file, 'tampered');
    const other = join(root, 'ws2');
    await installPackages(other, ['app'], { modulesDir, storeDir, recheckMs: 0 });
    expect(readFileSync(join(other, 'node_modules/app/lib/index.js'), 'utf8')).toContain('app@1.0.0');
    await installPackages(workspace, [], { modulesDir, storeDir });
    expect(existsSync(join(workspace, 'node_modules/app'))).toBe(false);
  });
});
