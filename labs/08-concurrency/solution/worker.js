// The worker process type: takes thank-you jobs from the Redis list thanks:queue, one at a time, and
// sends them. Run as many workers as the backlog needs; BLPOP hands each job to exactly one of them.
import { redis } from './counter.js';
import { sendThankYou } from './thanks.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

// A deploy or a scale-down sends SIGTERM: finish the note in hand, take no new job, then exit.
let stopping = false;
const stop = (signal) => {
  stopping = true;
  log('stopping after the current job', { signal });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

log('worker ready');
while (!stopping) {
  // Wait at most a second for a job, so a stop request is noticed soon even when the queue is empty.
  const job = await redis.blpop('thanks:queue', 1);
  if (job) await sendThankYou(job[1]);
}
await redis.quit();
log('bye');
