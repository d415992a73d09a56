// Loaded into the learner's app with `node --import` (through NODE_OPTIONS) by this lab's checker:
// records the address of every TCP connection the app opens, so the checker can tell whether it talked
// to a Redis nobody gave it — ioredis' default 127.0.0.1:6379, say. One JSON line per connection,
// appended synchronously to the file in LAB_CONNECTION_LOG, so a crash loses nothing. The app's
// behaviour and output are untouched.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const file = process.env.LAB_CONNECTION_LOG;

/** `connect(options)`, `connect(port, host)`, `connect(path)` or Node's internal `[options, cb]` form. */
function target(args) {
  let [first, second] = args;
  if (Array.isArray(first)) [first] = first;
  if (first && typeof first === 'object') return first.path ? { path: String(first.path) } : { host: first.host ?? 'localhost', port: Number(first.port) };
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first };
  return { host: typeof second === 'string' ? second : 'localhost', port: Number(first) };
}

if (file) {
  appendFileSync(file, `${JSON.stringify({ pid: process.pid, loaded: true })}\n`);
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    try {
      appendFileSync(file, `${JSON.stringify({ pid: process.pid, at: Date.now(), ...target(args) })}\n`);
    } catch {
      // Never let the recorder change what the app does.
    }
    return connect.apply(this, args);
  };
}
