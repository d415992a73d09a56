// All configuration comes from the environment, in every environment. In production the platform sets
// it; on a laptop `npm run dev` loads it from .env (node --env-file=.env), which only that command reads.

function required(name) {
  const value = process.env[name];
  if (!value) {
    // Fail at startup, loudly, rather than later with a confusing connection error.
    console.error(`Missing required environment variable ${name}: set it before starting the app (npm run dev reads it from .env).`);
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

export const config = {
  port: whole('PORT', '3000', 1, 65535),
  redisUrl: required('REDIS_URL'),
  greeting: process.env.GREETING ?? 'Hello',
  // How long the "visits in this window" count runs before it starts again from 1.
  windowSeconds: whole('RECENT_WINDOW_SECONDS', '60', 1, 86400),
};
