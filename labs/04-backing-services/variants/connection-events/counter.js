// The visit count lives in an attached Redis, found through REDIS_URL and nowhere else.
import Redis from 'ioredis';
import { config } from './config.js';

const log = (level, msg, fields = {}) => console.log(JSON.stringify({ level, msg, ...fields }));

export const redis = new Redis(config.redisUrl, {
  // A command caught by a lost connection fails at once; the visitor is told to come back.
  maxRetriesPerRequest: 0,
  // Keep reconnecting for as long as it takes, at most a second apart.
  retryStrategy: (attempt) => Math.min(attempt * 200, 1000),
});

let attached = false;
redis.on('ready', () => {
  attached = true;
  log('info', 'redis attached');
});
redis.on('close', () => {
  if (attached) log('warn', 'redis detached; reconnecting');
  attached = false;
});
redis.on('error', (error) => log('error', 'redis', { error: error.message }));

/** Whether the app is connected to its Redis right now. */
export const isAttached = () => attached;

/** Counts one visit and returns the new total. */
export const countVisit = () => redis.incr('hits');
