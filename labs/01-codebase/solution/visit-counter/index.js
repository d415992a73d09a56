// Counts visits in Redis: the one copy of this code. web and report both declare this package as a
// dependency, so a fix or a renamed key made here reaches both apps with their next install.
import Redis from 'ioredis';

const KEY = 'visits:total';

export function createCounter(redisUrl) {
  // Give up on a command after a few retries instead of queueing it forever while Redis is down.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

  return {
    /** Counts one visit and returns the new total. */
    countVisit: () => redis.incr(KEY),
    /** The total so far, without counting. */
    readCount: async () => Number(await redis.get(KEY)),
    close: () => redis.quit(),
  };
}
