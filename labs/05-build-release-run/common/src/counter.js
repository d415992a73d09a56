// The visit count lives in Redis, not in this process: every copy of the app shares it, and it
// survives restarts.
import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, {
  // Give up on a request after a few retries instead of queueing it forever while Redis is down.
  maxRetriesPerRequest: 2,
});

redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

/** Counts one visit and returns the new total. */
export function countVisit() {
  return redis.incr('hits');
}
