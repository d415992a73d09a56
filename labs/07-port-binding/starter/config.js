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

// No port here: where the app is served is the application server's business (see host.js).
export const config = {
  redisUrl: required('REDIS_URL'),
  greeting: process.env.GREETING ?? 'Hello',
};
