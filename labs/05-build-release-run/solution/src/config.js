// All configuration comes from the environment, so the same code runs on a laptop, in CI and in
// production: only the environment changes between deploys.

function required(name) {
  const value = process.env[name];
  if (!value) {
    // Fail at startup, loudly, rather than later with a confusing connection error.
    console.error(`Missing required environment variable ${name}: set it before starting the app.`);
    process.exit(1);
  }
  return value;
}

// Environment variables are strings. An empty PORT counts as unset: Number('') is 0, and port 0 would
// mean "any free port", somewhere nobody is looking.
function port(name, fallback) {
  const raw = process.env[name] || fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name} must be a port number from 1 to 65535, not "${raw}".`);
    process.exit(1);
  }
  return value;
}

export const config = {
  port: port('PORT', '3000'),
  redisUrl: required('REDIS_URL'),
  greeting: process.env.GREETING ?? 'Hello',
  // Which release this process runs, and the build inside it: start.mjs sets both from the release.
  release: process.env.RELEASE_ID ?? 'unreleased',
  build: process.env.BUILD_ID ?? 'unbuilt',
};
