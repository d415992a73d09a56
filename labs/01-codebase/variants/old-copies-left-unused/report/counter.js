// Counts visits in Redis. (Copied from web/counter.js when report was started.)
import Redis from 'ioredis';

export function createCounter(redisUrl) {
  const redis = new Redis(redisUrl);

  return {
    /** Counts one visit and returns the new total. */
    countVisit: () => redis.incr('hits'),
    /** The total so far, without counting. */
    readCount: async () => Number(await redis.get('hits')),
    close: () => redis.quit(),
  };
}
