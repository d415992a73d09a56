// report's own settings, from its own environment.
if (!process.env.REDIS_URL) {
  console.error('Set REDIS_URL to the Redis holding the visit count.');
  process.exit(1);
}

export const settings = {
  port: Number(process.env.PORT || 3000),
  redisUrl: process.env.REDIS_URL,
};
