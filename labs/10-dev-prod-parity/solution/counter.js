// Visits are counted in Redis, in development as in production: the same client, the same commands,
// the same expiry. Only REDIS_URL says which Redis.
import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, {
  // Give up on a request after a few retries instead of queueing it forever while Redis is down.
  maxRetriesPerRequest: 2,
});

redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

/** Counts one visit; returns the total and the count in the current window. */
export async function countVisit() {
  const [[, count], , [, recent]] = await redis
    .multi()
    .incr('hits')
    // Opens a new window when none is open: the key lives windowSeconds, then Redis deletes it.
    .set('recent', 0, 'EX', config.windowSeconds, 'NX')
    // INCR keeps the key's expiry (a plain SET would clear it).
    .incr('recent')
    .exec();
  return { count, recent };
}
