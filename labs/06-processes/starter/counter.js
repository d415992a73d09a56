import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

// Counting in memory is fast: no network round trip per visit.
let total = 0;
const visitsByVisitor = new Map();

/** Counts one visit by `visitor`; returns the total and that visitor's own count. */
export async function countVisit(visitor) {
  total += 1;
  const yours = (visitsByVisitor.get(visitor) ?? 0) + 1;
  visitsByVisitor.set(visitor, yours);
  return { total, yours };
}
