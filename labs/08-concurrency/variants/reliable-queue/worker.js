// worker: takes thank-you jobs from thanks:queue into thanks:working (one atomic move, so each job goes to
// one worker), sends the note, then removes the job from thanks:working. A job that stays in
// thanks:working belonged to a worker that died mid-job and can be put back by hand.
import { redis } from './counter.js';
import { sendThankYou } from './thanks.js';

let stopping = false;
process.once('SIGTERM', () => (stopping = true));
process.once('SIGINT', () => (stopping = true));

while (!stopping) {
  const job = await redis.blmove('thanks:queue', 'thanks:working', 'LEFT', 'RIGHT', 1);
  if (job === null) continue;
  await sendThankYou(job);
  await redis.lrem('thanks:working', 1, job);
}
await redis.quit();
