// What the checker reads from Redis for the Admin Processes lab: which commands change data, and how the
// data before and after a step differ, worded for messages.

/** Commands that only read, or manage the connection; anything else may change data. */
const NOT_WRITES = new Set([
  'GET', 'MGET', 'HGET', 'HMGET', 'HGETALL', 'HKEYS', 'HVALS', 'HLEN', 'HEXISTS', 'HSTRLEN', 'HSCAN', 'EXISTS', 'TYPE',
  'TTL', 'PTTL', 'STRLEN', 'GETRANGE', 'KEYS', 'SCAN', 'DBSIZE', 'LRANGE', 'LLEN', 'SMEMBERS', 'SCARD', 'SISMEMBER',
  'ZRANGE', 'ZSCORE', 'ZCARD', 'OBJECT', 'INFO', 'PING', 'ECHO', 'SELECT', 'AUTH', 'HELLO', 'CLIENT', 'COMMAND',
  'QUIT', 'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'READONLY', 'TIME',
]);

/** Commands that empty a whole database, or all of them. */
export const FLUSHES = new Set(['FLUSHALL', 'FLUSHDB']);

/** @param {{ name: string }} command */
export const isWrite = (command) => !NOT_WRITES.has(command.name);

/** "HINCRBY lab-x:visits total 1" */
export const shown = (command) => [command.name, ...command.args].join(' ');

/**
 * Marks the watcher's record now; the returned function lists every command sent since, on any
 * connection (old or new), each with its connection's id.
 * @param {import('../_kit/index.d.ts').Watcher} watcher
 */
export function mark(watcher) {
  const seen = watcher.connections.map((c) => c.commands.length);
  return () => watcher.connections.flatMap((c, i) => c.commands.slice(seen[i] ?? 0).map((cmd) => ({ ...cmd, connection: c.id })));
}

/** "counter:visits (hash) total=41" */
export function describeEntry(entry) {
  if (!entry) return '(no such key)';
  if (entry.type === 'string') return `"${entry.value}"`;
  if (entry.type === 'hash') return `hash {${Object.entries(entry.hash ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
  return `a ${entry.type}`;
}

const same = (a, b) => a?.type === b?.type && a?.value === b?.value && JSON.stringify(Object.entries(a?.hash ?? {}).sort()) === JSON.stringify(Object.entries(b?.hash ?? {}).sort());

/**
 * How the data changed between two reads of entries(), one line per key: "counter:hits: "41" → (no such key)".
 * @param {import('../_kit/index.d.ts').RedisEntry[]} before @param {import('../_kit/index.d.ts').RedisEntry[]} after
 */
export function changes(before, after) {
  const was = new Map(before.map((e) => [e.key, e]));
  const now = new Map(after.map((e) => [e.key, e]));
  const keys = [...new Set([...was.keys(), ...now.keys()])].sort();
  return keys.filter((k) => !same(was.get(k), now.get(k))).map((key) => ({ key, before: was.get(key), after: now.get(key), line: `${key}: ${describeEntry(was.get(key))} → ${describeEntry(now.get(key))}` }));
}

/** Looks a key up in entries(). */
export const entry = (entries, key) => entries.find((e) => e.key === key);
