// Read every setting from the environment. Report all missing ones at once, then stop.
const REQUIRED = ['REDIS_URL'];
const missing = REQUIRED.filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(`Cannot start: missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);
  process.exit(1);
}

const port = Number(process.env.PORT || 3000);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`Cannot start: PORT must be a port number, not "${process.env.PORT}".`);
  process.exit(1);
}

export const config = Object.freeze({
  port,
  redisUrl: process.env.REDIS_URL,
  greeting: process.env.GREETING || 'Hello',
});
