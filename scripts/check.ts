/**
 * npm run check -- <lab> <folder> [--json]
 * Runs one lab's checks against your own copy of the app (e.g. `npm run check -- 03-config ./my-app`),
 * in a temporary workspace that is removed afterwards. Exit code: 0 all pass, 1 a check failed,
 * 2 the checks could not run. Uses the embedded Redis unless REDIS_URL is set (the checker then
 * borrows an empty database there and leaves databases holding data alone).
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LabError, checkCommand, learnerFiles, listLabIds, loadLab, writeWorkspace } from '../src/lab-model/index.ts';

const args = process.argv.slice(2);
const [id, folder] = args.filter((a) => !a.startsWith('--'));
if (!id || !folder) {
  console.error(`Usage: npm run check -- <lab> <folder>   e.g. npm run check -- 03-config ./my-app\nLabs: ${(await listLabIds()).join(', ')}`);
  process.exit(2);
}
const source = resolve(folder);
if (!existsSync(source) || !statSync(source).isDirectory()) {
  console.error(`${folder} is not a folder; give the folder that holds your app.js.`);
  process.exit(2);
}

let lab;
try {
  lab = await loadLab(id);
} catch (error) {
  console.error(error instanceof LabError ? error.message : error);
  process.exit(2);
}

// Your files where you have them; the starter's for any you do not.
const files = learnerFiles(lab, 'starter');
const missing: string[] = [];
for (const path of lab.manifest.files.visible) {
  const mine = join(source, path);
  if (existsSync(mine)) files[path] = await readFile(mine, 'utf8');
  else missing.push(path);
}
if (missing.length === lab.manifest.files.visible.length) {
  console.error(`${folder} holds none of the lab's files (${lab.manifest.files.visible.join(', ')}); is it the right folder?`);
  process.exit(2);
}
if (missing.length) console.log(`Not in ${folder}, so the starter's version is used: ${missing.join(', ')}\n`);

const dir = await mkdtemp(join(tmpdir(), `check-${id}-`));
let code = 2;
try {
  const { problems } = await writeWorkspace(dir, lab, files);
  // Packages come from the course's own install (see src/lab-model/packages.ts): say what could not be given.
  for (const problem of problems) console.log(`Note: ${problem}`);
  if (problems.length) console.log('');
  const { program, args: checkArgs } = checkCommand(lab.manifest, args.includes('--json') ? '--json' : '--human');
  const child = spawn(program, checkArgs, { cwd: dir, stdio: 'inherit' });
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop).once('SIGTERM', stop);
  code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 2)));
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(code);
