import { connect, createServer } from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Where `freePort` looks: below the range the system takes ports for outgoing connections from (Linux
 * 32768–60999, Windows and macOS 49152 and up), so a connection some process opens between the choice and
 * the app's start cannot take the app's port; above the ports development tools favour (3000, 5173, 8080…).
 */
export const FREE_PORT_RANGE = /** @type {const} */ ([20000, 32767]);

/** @param {number} port @returns {Promise<boolean>} whether nothing listens on `port`, on any interface */
function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago, on every interface: random within FREE_PORT_RANGE. */
export async function freePort() {
  const [low, high] = FREE_PORT_RANGE;
  for (let tries = 0; tries < 40; tries++) {
    const port = randomInt(low, high + 1);
    if (await bindable(port)) return port;
  }
  // A crowded range: any port the system gives.
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
