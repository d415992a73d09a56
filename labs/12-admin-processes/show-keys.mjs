// The lab's "Show the counter's keys" task: prints every key under KEY_PREFIX in the Redis at REDIS_URL
// with its value, so you can see what `npm run migrate` and `npm run reset` changed.
import Redis from 'ioredis';

if (!process.env.REDIS_URL) {
  console.error('REDIS_URL is not set, so there is no Redis to look in.');
  process.exit(1);
}
const prefix = process.env.KEY_PREFIX ?? 'counter:';
const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', () => {});
try {
  const keys = (await redis.keys(`${prefix}*`)).sort();
  if (keys.length === 0) console.log(`No keys under "${prefix}" yet: visit the app, or load old data.`);
  for (const key of keys) {
    const type = await redis.type(key);
    const value = type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : type === 'string' ? JSON.stringify(await redis.get(key)) : `(${type})`;
    console.log(`${key.padEnd(prefix.length + 16)} ${type.padEnd(6)} ${value}`);
  }
} catch (error) {
  console.error(`Could not read the Redis at REDIS_URL: ${error.message}`);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
