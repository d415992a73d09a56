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

export const config = {
  port: Number(process.env.PORT ?? 3000),
  redisUrl: required('REDIS_URL'),
  greeting: process.env.GREETING ?? 'Hello',
};
