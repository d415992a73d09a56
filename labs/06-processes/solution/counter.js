// Both counts live in Redis: every process of the app sees the same numbers, and they survive a
// restart. Any process can serve any visitor, so no "sticky sessions" are needed.
import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

/** Counts one visit by `visitor`; returns the total and that visitor's own count. */
export async function countVisit(visitor) {
  // INCR and HINCRBY are atomic in Redis: two processes counting at the same moment never lose a visit.
  const [[, total], [, yours]] = await redis.multi().incr('hits').hincrby('visits-by-visitor', visitor, 1).exec();
  return { total, yours };
}
