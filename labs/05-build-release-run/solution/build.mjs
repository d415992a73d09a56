// The build stage: turns the source in src/ into dist/, a folder that runs as it is, and names it by its
// content. The same source always gives the same build ID; any change gives a new one.
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
cpSync('src', 'dist', { recursive: true });
cpSync('package.json', 'dist/package.json'); // the dependencies this build was made for

// Hash every file's path and bytes, in a fixed order, and nothing else: no clock, no random, no folder.
const hash = createHash('sha256');
for (const file of readdirSync('dist', { recursive: true }).sort()) {
  const path = `dist/${file}`;
  if (statSync(path).isFile()) hash.update(`${file}\n`).update(readFileSync(path));
}
const id = hash.digest('hex').slice(0, 12);

writeFileSync('dist/build.json', `${JSON.stringify({ id }, null, 2)}\n`);
console.log(`Built ${id}`);
