// t.instance(name): a check changes an instance's copy of the app before starting the app on it (the
// Port Binding lab deletes the hosting shim there), and the learner's workspace keeps its files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir, symlink, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkEvents } from '../support/check-output.ts';

const kit = pathToFileURL(resolve('labs/_kit/index.mjs')).href;

const CHECK = `import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLab } from '${kit}';
await runLab(new URL('./lab.json', import.meta.url), {
  changed: async (t) => {
    const a = t.instance('A');
    rmSync(join(a.dir, 'extra.js'));
    writeFileSync(join(a.dir, 'note.txt'), 'only on A');
    const onA = await t.exec('node list.js', { instance: 'A' });
    const onB = await t.exec('node list.js', { instance: 'B' });
    const here = await t.exec('node list.js');
    return JSON.stringify({ sameCopy: t.instance('A').dir === a.dir, tmp: a.env.TMPDIR, a: onA.json[0], b: onB.json[0], here: here.json[0] });
  },
}, { cwd: process.cwd() });
`;

let dir = '';
let result: { status: string; message: string } | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kit-instance-'));
  const files: Record<string, string> = {
    'lab/lab.json': JSON.stringify({ id: '99-instance', commands: { start: 'node list.js' }, checks: [{ id: 'changed', title: 'Changes a copy' }] }),
    'lab/check.mjs': CHECK,
    'package.json': JSON.stringify({ type: 'module' }),
    'extra.js': 'export {};',
    'list.js': `import { readdirSync } from 'node:fs'; import { tmpdir } from 'node:os';
console.log(JSON.stringify({ files: readdirSync('.').filter((f) => f.endsWith('.js') || f.endsWith('.txt')).sort(), tmp: tmpdir() }));`,
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await symlink(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
  const stdout = await new Promise<string>((done) => execFile(process.execPath, ['lab/check.mjs'], { cwd: dir, env: { ...process.env, REDIS_URL: '', LAB_CALIBRATION_FACTOR: '4' } }, (_e, out) => done(out)));
  const events = checkEvents(stdout) as unknown as { type: string; check: string; status: string; message: string }[];
  result = events.find((e) => e.type === 'result' && e.check === 'changed');
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('t.instance', () => {
  it('gives the copy an app on that instance runs in; changes stay on that copy', async () => {
    expect(result?.status, result?.message).toBe('pass');
    const seen = JSON.parse(result!.message);
    expect(seen.sameCopy).toBe(true);
    expect(seen.a.files).toEqual(['list.js', 'note.txt']);
    expect(seen.a.tmp).toBe(seen.tmp);
    expect(seen.b.files).toEqual(['extra.js', 'list.js']);
    expect(seen.here.files).toEqual(['extra.js', 'list.js']);
    expect(await readFile(join(dir, 'extra.js'), 'utf8')).toBe('export {};');
  });
});
