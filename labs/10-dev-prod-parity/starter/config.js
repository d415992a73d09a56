// Production takes its configuration from the environment. Development needs no setup at all: the values
// below are used whenever NODE_ENV is not "production", and the visits are kept in memory (see counter.js).
const production = process.env.NODE_ENV === 'production';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`Missing required environment variable ${name}: set it before starting the app.`);
    process.exit(1);
  }
  return value;
}

// Environment variables are strings: check that a number is a whole number in range before using it.
function whole(name, fallback, min, max) {
  const raw = process.env[name] || fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be a whole number from ${min} to ${max}, not "${raw}".`);
    process.exit(1);
  }
  return value;
}

export const config = production
  ? {
      port: whole('PORT', '3000', 1, 65535),
      redisUrl: required('REDIS_URL'),
      greeting: process.env.GREETING ?? 'Hello',
      // How long the "visits in this window" count runs before it starts again from 1.
      windowSeconds: whole('RECENT_WINDOW_SECONDS', '60', 1, 86400),
    }
  : {
      port: whole('PORT', '3000', 1, 65535),
      redisUrl: undefined, // no Redis on a laptop: counter.js keeps the visits in memory
      greeting: 'Hello, developer',
      windowSeconds: 60,
    };
