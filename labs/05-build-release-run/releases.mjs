// The lab's "List the build and the releases" task: shows dist/build.json and every folder under
// releases/ with its release.json (or its files), so the learner sees what each stage left behind.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';

const show = (path) => {
  try {
    return JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
};

console.log(existsSync('dist') ? `dist/ (the build): ${show('dist/build.json') ?? 'no dist/build.json'}` : 'No dist/ yet: run "Build (npm run build)".');
if (existsSync('release')) console.log(`release/ (one folder, overwritten by every release): ${readdirSync('release').join(', ')}`);

const releases = existsSync('releases')
  ? readdirSync('releases').filter((name) => statSync(`releases/${name}`).isDirectory()).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  : [];
if (releases.length === 0) console.log('No releases/ yet: run "Release the build (npm run release)" after a build.');
for (const name of releases) {
  const files = readdirSync(`releases/${name}`);
  console.log(`releases/${name}/: ${show(`releases/${name}/release.json`) ?? `${files.length} files (${files.slice(0, 6).join(', ')})`}`);
}
