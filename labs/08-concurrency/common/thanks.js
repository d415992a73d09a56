// The slow job behind every visit: a thank-you note to the visitor. It stands in for real background work,
// such as sending an e-mail through a mail service: it takes a while, and the visitor does not need to
// wait for it to get their page.
//
// Each process has one connection to the mail service, which takes one note at a time, so a process sends
// its notes one after another however many it is handed at once. Leave this file as it is: the checker
// reads what it records in Redis.
import { redis } from './counter.js';

/** How long one note takes, in ms. */
const SEND_MS = Number(process.env.THANK_YOU_MS || 400);
/** Which process sent it. A process manager names each one, e.g. DYNO=worker.2; else the process id. */
const SENDER = process.env.DYNO || `pid ${process.pid}`;

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let line = Promise.resolve();

/** Sends a thank-you note to visitor number `visitor`, then adds it to the Redis list thanks:sent. */
export function sendThankYou(visitor) {
  const number = Number(visitor);
  if (!Number.isSafeInteger(number) || number < 1) {
    return Promise.reject(new TypeError(`sendThankYou needs the visitor's number, e.g. 42, not ${JSON.stringify(visitor)}`));
  }
  const sent = line.then(() => send(number));
  line = sent.catch(() => {});
  return sent;
}

async function send(visitor) {
  const started = Date.now();
  log('sending thank-you', { visitor, by: SENDER });
  await sleep(SEND_MS);
  await redis.rpush('thanks:sent', JSON.stringify({ visitor, by: SENDER, started, finished: Date.now() }));
  log('thank-you sent', { visitor, by: SENDER, ms: Date.now() - started });
}
