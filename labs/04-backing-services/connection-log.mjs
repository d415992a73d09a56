// Loaded into the learner's app with `node --import` (through NODE_OPTIONS) by this lab's checker: it
// records the address of every TCP connection the app opens, so the checker can tell whether the app
// talked to a Redis nobody gave it (ioredis' default 127.0.0.1:6379, say) whether or not anything
// listens there. One JSON line per connection, appended synchronously to the file named in
// LAB_CONNECTION_LOG, so a crash loses nothing. The app's behaviour and output are untouched.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const file = process.env.LAB_CONNECTION_LOG;
const LOADED = Symbol.for('twelve-factor-lab.connection-log');

/** `connect(options)`, `connect(port, host)`, `connect(path)` or Node's internal `[options, cb]` form. */
function target(args) {
  let [first, second] = args;
  if (Array.isArray(first)) [first] = first;
  if (first && typeof first === 'object') return first.path ? { path: String(first.path) } : { host: String(first.host ?? 'localhost'), port: Number(first.port) };
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first };
  return { host: typeof second === 'string' ? second : 'localhost', port: Number(first) };
}

if (file && !globalThis[LOADED]) {
  globalThis[LOADED] = true;
  const write = (record) => appendFileSync(file, `${JSON.stringify({ pid: process.pid, ...record })}\n`);
  write({ loaded: true });
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    try {
      // The checker kit's own preloads (its signal channel) are not the app's doing.
      if (!/[\\/]_kit[\\/]/.test(new Error().stack ?? '')) write({ at: Date.now(), ...target(args) });
    } catch {
      // Never let the recorder change what the app does.
    }
    return connect.apply(this, args);
  };
}
