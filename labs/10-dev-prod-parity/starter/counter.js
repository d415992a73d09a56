// Visits are counted in Redis in production. In development (no REDIS_URL, see config.js) a Map in this
// process stands in for Redis, so nobody has to install one.
import Redis from 'ioredis';
import { config } from './config.js';

export const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;

redis?.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

const memory = new Map();

/** Counts one visit; returns the total and the count in the current window. */
export async function countVisit() {
  if (!redis) {
    // Good enough for a laptop. (The window never ends here: nothing expires in a Map.)
    const count = (memory.get('hits') ?? 0) + 1;
    const recent = (memory.get('recent') ?? 0) + 1;
    memory.set('hits', count);
    memory.set('recent', recent);
    return { count, recent };
  }
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
