import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyLabs } from '../../../src/lab-model/verify.ts';
import { firstNodeError } from '../../../src/lab-model/verify-errors.ts';
import { startBusyLoad } from '../../../src/lab-model/busy-load.ts';

let root = '';
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = '';
});

async function labsCopy(...labs: string[]): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'verify-errors-labs-'));
  for (const dir of ['_kit', '_base', ...labs]) await cp(join('labs', dir), join(root, dir), { recursive: true });
  for (const lab of labs) {
    await rm(join(root, lab, 'fixtures'), { recursive: true, force: true });
    await rm(join(root, lab, 'variants'), { recursive: true, force: true });
  }
  return root;
}

describe('labs:verify says why', () => {
  it('reports a check.mjs that does not load, or disagrees with lab.json, once and before running anything', async () => {
    await labsCopy('03-config', '06-processes');
    const check03 = join(root, '03-config/check.mjs');
    await writeFile(check03, (await readFile(check03, 'utf8')).replace("from '../_kit/index.mjs';", "from '../_kit/index.mjs';\nimport { helper } from './missing-helper.mjs';"));
    const check06 = join(root, '06-processes/check.mjs');
    await writeFile(check06, (await readFile(check06, 'utf8')).replace("'survives-restart':", "'survives-a-restart':"));
    const problems: string[] = [];
    const reports = await verifyLabs(['03-config', '06-processes'], { root, onLabProblem: (lab, problem) => problems.push(`${lab}: ${problem}`) });
    expect(reports.map((r) => [r.lab, r.variant, r.verdict])).toEqual([['03-config', 'check.mjs', 'not run'], ['06-processes', 'check.mjs', 'not run']]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^03-config: .*03-config\/check\.mjs does not load: Error \[ERR_MODULE_NOT_FOUND\]: Cannot find module '.*03-config\/missing-helper\.mjs' imported from .*03-config\/check\.mjs$/);
    expect(problems[1]).toMatch(
      /^06-processes: .*06-processes\/check\.mjs and .*06-processes\/lab\.json disagree: lab\.json lists survives-restart but check\.mjs implements no check of that id; check\.mjs implements survives-a-restart, which lab\.json does not list\. Make the ids the same in both\.$/,
    );
    // Named as in the repository, never by a temporary workspace's path.
    expect(problems.join('\n')).not.toMatch(/labs-verify-|\.lab\//);
  }, 60_000);

  it('names the file and line of a bad import in check.mjs, in repository terms', async () => {
    await labsCopy('03-config');
    const check = join(root, '03-config/check.mjs');
    await writeFile(check, (await readFile(check, 'utf8')).replace('import { runLab,', 'import { runLab, nothingLikeThis,'));
    const problems: string[] = [];
    await verifyLabs(['03-config'], { root, onLabProblem: (_lab, problem) => problems.push(problem) });
    expect(problems[0]).toMatch(/03-config\/check\.mjs does not load: .*03-config\/check\.mjs:\d+: SyntaxError: The requested module '\.\.\/_kit\/index\.mjs' does not provide an export named 'nothingLikeThis'$/);
  }, 60_000);

  it('shows the app’s first error with its file and line when a variant errors instead of failing, in each process model', async () => {
    await labsCopy('03-config');
    await mkdir(join(root, '03-config/fixtures/crash'), { recursive: true });
    await writeFile(join(root, '03-config/fixtures/crash/fixture.json'), JSON.stringify({
      from: 'solution', rejectedBy: 'reads-port', why: 'A stray line that throws while the app loads.',
      edits: [{ file: 'config.js', find: 'export const config', replace: 'null.boom;\nexport const config' }],
    }));
    const reports = await verifyLabs(['03-config'], { root, variants: ['fixture crash'], models: ['posix', 'portable'] });
    expect(reports.map((r) => r.model)).toEqual(['posix', 'portable']);
    for (const report of reports) {
      expect(report.ok).toBe(false);
      expect(report.error).toMatch(/^reads-port: The app crashed with TypeError: Cannot read properties of null \(reading 'boom'\) \(config\.js:\d+\)/);
      expect(report.note).toMatch(/^reads-port was error: .*\(config\.js:\d+\)/);
      expect(report.calibration?.factor).toBeGreaterThanOrEqual(1);
    }
  }, 150_000);

  it('reads the first error out of Node’s own output', () => {
    expect(firstNodeError('file:///w/.lab/03-config/check.mjs:3\nimport { x } from "y";\n         ^\nSyntaxError: The requested module \'y\' does not provide an export named \'x\'\n    at ModuleJob._instantiate (node:internal/modules/esm/module_job:180:21)\n')).toBe(
      "/w/.lab/03-config/check.mjs:3: SyntaxError: The requested module 'y' does not provide an export named 'x'",
    );
    expect(firstNodeError('node:events:497\n      throw er;\n      ^\n\nError: listen EADDRINUSE: address already in use :::3000\n    at Server.setupListenHandle [as _listen2] (node:net:1937:16)\n    at file:///w/app.js:7:8\n')).toBe('/w/app.js:7: Error: listen EADDRINUSE: address already in use :::3000');
    expect(firstNodeError('all good\n')).toBeUndefined();
  });
});

describe('labs:verify --load', () => {
  it('keeps N processes busy and stops every one of them', async () => {
    const load = startBusyLoad(2);
    expect(load.count).toBe(2);
    load.stop();
    load.stop();
    expect(() => startBusyLoad(9)).toThrow('--load takes a whole number from 0 to 8, e.g. --load 2 (got 9).');
  });
});

describe('labs:verify on the command line', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['scripts/labs-verify.ts', ...args], { encoding: 'utf8' });
  it('prints its usage for --help, and a readable error for a bad option, without running a lab', () => {
    const help = cli('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: npm run labs:verify -- [lab…] [options]');
    expect(help.stdout).toMatch(/--show LAB\/VARIANT/);
    const bad = cli('--repeat', 'lots');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^--repeat takes a whole number from 1 to 100 \(got "lots"\)\./);
    expect(cli('--model', 'windows').stderr).toMatch(/^--model takes posix, portable, both or auto \(got "windows"\)\./);
    expect(cli('99-nothing').stderr).toMatch(/^"99-nothing" is not a lab; labs are (?:\d\d-[a-z-]+, )*03-config, /);
    expect(cli('--show', '03-config').stderr).toMatch(/^--show takes LAB\/VARIANT, e\.g\. --show 03-config\/greeting-typo/);
  }, 90_000);
});
