// The release stage: the current build plus this deploy's config become a new release, releases/<id>/.
// A release is never changed afterwards: to change anything, make a new one. To roll back, start an old one.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

if (!existsSync('dist/build.json')) {
  console.error('There is no build to release: run npm run build first.');
  process.exit(1);
}
const build = JSON.parse(readFileSync('dist/build.json', 'utf8'));

// v1, v2, v3…: a new ID for every release, in order, even when the build is the same.
mkdirSync('releases', { recursive: true });
const numbers = readdirSync('releases').map((name) => Number(name.slice(1))).filter(Number.isInteger);
const id = `v${Math.max(0, ...numbers) + 1}`;
const dir = `releases/${id}`;

mkdirSync(dir); // throws if it exists: an existing release is never overwritten
cpSync('dist', dir, { recursive: true });

// This deploy's config. PORT and REDIS_URL are not in it: the platform gives them to each process it starts.
const config = { GREETING: process.env.GREETING ?? 'Hello' };
writeFileSync(`${dir}/release.json`, `${JSON.stringify({ id, build: build.id, config }, null, 2)}\n`);

console.log(`Released ${id}: build ${build.id} with GREETING=${config.GREETING}`);
