// Every setting comes from the environment; defaults only where one value is right for every deploy.
const { PORT, REDIS_URL, GREETING = 'Hello' } = process.env;

if (!REDIS_URL) {
  console.error('REDIS_URL is not set. Point it at your Redis, e.g. in the environment of the deploy.');
  process.exit(1);
}

export const config = {
  port: PORT ? Number(PORT) : 3000,
  redisUrl: REDIS_URL,
  greeting: GREETING,
};
