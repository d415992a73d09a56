// worker: sends the thank-you notes that web queues as JSON in the Redis list jobs:thank-you.
import { redis } from './counter.js';
import { sendThankYou } from './thanks.js';

let running = true;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    running = false;
  });
}

async function next() {
  // BRPOP removes the job as it hands it over, so no other worker can get it too.
  const popped = await redis.brpop('jobs:thank-you', 0.5);
  return popped && JSON.parse(popped[1]);
}

while (running) {
  const job = await next();
  if (!job) continue;
  console.log(JSON.stringify({ level: 'info', msg: 'job', visitor: job.visitor, queuedAt: job.queuedAt }));
  await sendThankYou(job.visitor);
}
redis.disconnect();
