// The visit count lives in Redis, not in this process: every copy of the app shares it, and it
// survives restarts.
import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, {
  // ioredis puts this in front of every key: 'visits' below is really 'counter:visits'.
  keyPrefix: config.keyPrefix,
  // Give up on a request after a few retries instead of queueing it forever while Redis is down.
  maxRetriesPerRequest: 2,
});

redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

// The data's format. Version 1 kept the count in the string 'hits'; version 2 keeps it in the field
// 'total' of the hash 'visits', where counts per page can join it later. admin.js converts old data.
export const SCHEMA_VERSION = 2;

/** Counts one visit and returns the new total. */
export function countVisit() {
  return redis.hincrby('visits', 'total', 1);
}
