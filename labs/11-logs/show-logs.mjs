// The lab's "Show the log files" task: lists the files under logs/ and prints the end of each, so the
// learner can see what the starter keeps on disk (and, once fixed, that nothing is there).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));

let files = [];
try {
  files = filesUnder('logs');
} catch {}
if (files.length === 0) {
  console.log('No files in logs/. (The starter creates logs/app.log when it runs; an app that follows this factor never does.)');
} else {
  for (const path of files) {
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    console.log(`── ${path} (${statSync(path).size} bytes, ${lines.length} lines; the last ${Math.min(lines.length, 10)}):`);
    console.log(lines.slice(-10).join('\n'));
  }
}
