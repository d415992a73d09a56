// The run stage: starts one release exactly as the release stage made it. It builds, copies and writes
// nothing, so a restart is quick and cannot fail for reasons that have nothing to do with running.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const inOrder = (a, b) => a.localeCompare(b, 'en', { numeric: true });
const releases = existsSync('releases') ? readdirSync('releases').sort(inOrder) : [];

// RELEASE=v1 npm start runs release v1 (a rollback); without RELEASE, the newest release runs.
const id = process.env.RELEASE || releases.at(-1);
if (!releases.includes(id)) {
  console.error(id ? `There is no release ${id}; the releases are ${releases.join(', ')}.` : 'There is no release yet: run npm run build, then npm run release.');
  process.exit(1);
}

const release = JSON.parse(readFileSync(`releases/${id}/release.json`, 'utf8'));

// The release's config becomes the environment the app reads, with the release's own IDs.
Object.assign(process.env, release.config, { RELEASE_ID: release.id, BUILD_ID: release.build });
await import(`./releases/${id}/app.js`);
