/**
 * npm run check -- <lab> <folder> [--json]
 * Runs one lab's checks against your own copy of the app (e.g. `npm run check -- 03-config ./my-app`),
 * in a temporary workspace that is removed afterwards. Every text file of the folder is copied (not
 * node_modules, .git or .lab; at most 500 files of up to 1 MB each), and the run says which were not. Exit code: 0 all pass, 1 a check failed,
 * 2 the checks could not run. Uses the embedded Redis unless REDIS_URL is set (the checker then
 * borrows an empty database there and leaves databases holding data alone).
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
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

// Everything your folder holds, within limits (the checks read more than the lab's own files: an extra
// module, a .env your app loads); the starter's version of any lab file you do not have.
const LIMITS = { files: 500, fileBytes: 1024 * 1024, totalBytes: 20 * 1024 * 1024 };
const SKIP_DIRS = new Set(['node_modules', '.git', '.lab']);
const files = learnerFiles(lab, 'starter');
const ignored: string[] = [];
let taken = 0;
let bytes = 0;
for (const entry of await readdir(source, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const path = relative(source, join(entry.parentPath, entry.name)).split(sep).join('/');
  const skippedDir = path.split('/').slice(0, -1).find((part) => SKIP_DIRS.has(part));
  if (skippedDir) continue;
  const size = statSync(join(source, path)).size;
  if (size > LIMITS.fileBytes) ignored.push(`${path} (${Math.round(size / 1024)} KB; files over ${LIMITS.fileBytes / 1024 / 1024} MB are not copied)`);
  else if (taken >= LIMITS.files || bytes + size > LIMITS.totalBytes) ignored.push(`${path} (past the limit of ${LIMITS.files} files or ${LIMITS.totalBytes / 1024 / 1024} MB)`);
  else {
    const data = await readFile(join(source, path));
    if (data.includes(0)) ignored.push(`${path} (not a text file)`);
    else {
      files[path] = data.toString('utf8');
      taken++;
      bytes += size;
    }
  }
}
const missing = lab.manifest.files.visible.filter((path) => !existsSync(join(source, path)));
if (missing.length === lab.manifest.files.visible.length) {
  console.error(`${folder} holds none of the lab's files (${lab.manifest.files.visible.join(', ')}); is it the right folder?`);
  process.exit(2);
}
if (missing.length) console.log(`Not in ${folder}, so the starter's version is used: ${missing.join(', ')}\n`);
if (ignored.length) console.log(`Not copied, so the checks do not see them:\n${ignored.map((line) => `  ${line}`).join('\n')}\n`);

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
