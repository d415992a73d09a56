import { connect, createServer } from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port that was free a moment ago on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const WORDS = ['amber', 'breeze', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kelp', 'lagoon', 'meadow', 'nectar', 'orchid', 'pebble', 'quartz', 'russet', 'saffron', 'tundra', 'umber', 'violet', 'willow', 'yarrow', 'zephyr'];

/** A random, readable value such as "Howdy-cobalt-4821", so a hard-coded answer cannot match it. */
export function randomWord(prefix = '') {
  const word = WORDS[randomInt(WORDS.length)];
  return `${prefix}${word}-${randomInt(1000, 10000)}`;
}

export const randomHex = (bytes = 8) => randomBytes(bytes).toString('hex');

/** Rejects with `error()` when `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, error) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(error()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Whether something accepts TCP connections on `port` on loopback right now. */
export function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Calls `onLine` with each complete line of a readable text stream, the unterminated last one included. */
export function eachLine(stream, onLine) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop();
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}
