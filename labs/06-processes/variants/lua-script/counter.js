import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

// Redis runs a script atomically: no other command runs until it returns.
redis.defineCommand('countVisitIn', {
  numberOfKeys: 2,
  lua: `
    local total = redis.call('INCR', KEYS[1])
    local yours = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
    return { total, yours }
  `,
});

/** Counts one visit by `visitor`; returns the total and that visitor's own count. */
export async function countVisit(visitor) {
  const [total, yours] = await redis.countVisitIn('hits', 'visits-by-visitor', visitor);
  return { total, yours };
}
