import { readFileSync } from 'node:fs';

// The port and the Redis come from the environment; the greeting comes from the settings file the build
// wrote into dist/, next to this code.

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

// The settings the build wrote next to this file (dist/settings.json).
const settings = JSON.parse(readFileSync(new URL('./settings.json', import.meta.url), 'utf8'));

export const config = {
  port: port('PORT', '3000'),
  redisUrl: required('REDIS_URL'),
  greeting: settings.greeting,
  // The version this process reports at /version: the moment it started.
  version: new Date().toISOString(),
};
