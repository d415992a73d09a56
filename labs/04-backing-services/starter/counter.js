// The visit count lives in Redis, not in this process: every copy of the app shares it, and it
// survives restarts.
import Redis from 'ioredis';

/**
 * Makes a Redis client. Redis runs on the same machine as the app, so unless REDIS_HOST says
 * otherwise the client takes ioredis' defaults: 127.0.0.1, port 6379.
 */
export function createClient() {
  return new Redis({
    host: process.env.REDIS_HOST,
    // Never lose a visit: if Redis hiccups, wait for it to come back.
    maxRetriesPerRequest: null,
  });
}

export const redis = createClient();

redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

/** Counts one visit and returns the new total. */
export function countVisit() {
  return redis.incr('hits');
}
