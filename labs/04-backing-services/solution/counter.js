// The visit count lives in Redis, an attached resource: the app knows it only by the URL in its
// config, so another Redis is one changed variable away, and it may go away at any moment.
import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, {
  // While Redis is unreachable, fail a command after one reconnection attempt instead of queueing it,
  // so a visitor gets a quick answer rather than a page that never loads.
  maxRetriesPerRequest: 1,
  // Never wait more than a second for a reply, even on a connection that has gone quiet.
  commandTimeout: 1000,
  // No retryStrategy here on purpose: ioredis' default keeps reconnecting, at most 2 s apart, for as
  // long as it takes, so the app re-attaches by itself when Redis is back.
});

// Without a listener, ioredis prints every failed reconnection as an unhandled error event.
redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

/** Counts one visit and returns the new total. Rejects while Redis is unreachable. */
export function countVisit() {
  return redis.incr('hits');
}

/** Whether Redis answers right now. */
export async function redisIsUp() {
  try {
    await redis.ping();
    return true;
  } catch {
    return false;
  }
}
