// The lab's "Load old data" task: writes a count in the old format (version 1: the string 'hits', no
// schema version), as a backup from before this release would hold it, so `npm run migrate` has
// something to convert. Uses REDIS_URL and KEY_PREFIX, like the app.
import Redis from 'ioredis';

if (!process.env.REDIS_URL) {
  console.error('REDIS_URL is not set, so there is no Redis to load the data into.');
  process.exit(1);
}
const prefix = process.env.KEY_PREFIX ?? 'counter:';
const redis = new Redis(process.env.REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
redis.on('error', () => {});
try {
  await redis.multi().del('visits', 'schema-version').set('hits', '40').exec();
  console.log(`Loaded old data: ${prefix}hits = "40" (format 1, no ${prefix}schema-version). Try "npm run migrate" now, twice.`);
} catch (error) {
  console.error(`Could not write to the Redis at REDIS_URL: ${error.message}`);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
