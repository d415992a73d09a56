// The visitor counter's maintenance tasks.
import { redis, SCHEMA_VERSION } from './counter.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

/** Sets the visit count back to zero: the next visitor is number 1. */
export async function resetCount() {
  await redis.hdel('visits', 'total');
  log('count reset');
}

/**
 * Brings the data to the current format: moves the count from 'hits' (version 1) into the hash
 * 'visits' (version 2) and records the version, so data that is already current is left alone.
 */
export async function migrate() {
  const version = Number((await redis.get('schema-version')) ?? 1);
  if (version >= SCHEMA_VERSION) {
    log('data already current', { version });
    return;
  }
  const hits = Number((await redis.get('hits')) ?? 0);
  // All three writes or none: MULTI … EXEC runs them as one step.
  await redis.multi().hincrby('visits', 'total', hits).del('hits').set('schema-version', SCHEMA_VERSION).exec();
  log('data migrated', { from: version, to: SCHEMA_VERSION, visits: hits });
}

// Run as a one-off process, from the same code and config as the web app:
//   npm run reset    (node admin.js reset)
//   npm run migrate  (node admin.js migrate)
const tasks = { reset: resetCount, migrate };
const task = tasks[process.argv[2]];
if (!task) {
  console.error(`Usage: node admin.js ${Object.keys(tasks).join('|')}`);
  process.exit(2);
}
try {
  await task();
} finally {
  // The open connection would keep Node running; close it so the process ends when the task does.
  await redis.quit();
}
