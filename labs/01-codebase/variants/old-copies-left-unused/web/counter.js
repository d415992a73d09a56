// Counts visits in Redis. (report/counter.js started life as a copy of this file.)
import Redis from 'ioredis';

export function createCounter(redisUrl) {
  // Give up on a command after a few retries instead of queueing it forever while Redis is down.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

  // The key was "hits" until the count moved under "visits:" with the other visit statistics.
  const key = 'visits:total';
  return {
    /** Counts one visit and returns the new total. */
    countVisit: () => redis.incr(key),
    /** The total so far, without counting. */
    readCount: async () => Number(await redis.get(key)),
    close: () => redis.quit(),
  };
}
