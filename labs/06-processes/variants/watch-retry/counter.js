import Redis from 'ioredis';
import { config } from './config.js';

export const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));

/** Counts one visit by `visitor`; returns the total and that visitor's own count. */
export async function countVisit(visitor) {
  // WATCH applies to one connection. Requests run concurrently, so each transaction gets a connection of
  // its own; on the shared one, another request's EXEC would end this request's WATCH.
  const connection = redis.duplicate();
  try {
    for (;;) {
      await connection.watch('hits', 'visits-by-visitor');
      const total = Number(await connection.get('hits')) + 1;
      const yours = Number(await connection.hget('visits-by-visitor', visitor)) + 1;
      // EXEC answers null when a watched key changed since WATCH: someone else counted first, so try again.
      const done = await connection.multi().set('hits', total).hset('visits-by-visitor', visitor, yours).exec();
      if (done) return { total, yours };
    }
  } finally {
    await connection.quit();
  }
}
