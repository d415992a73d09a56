// The checker's own Redis. Without REDIS_URL it starts the embedded server in-process; with REDIS_URL
// it borrows one *empty* database of that server (1–15, then 0), marks it with a lock key so parallel
// checker runs never share one, empties it between checks and after the run. A database that already
// holds data is never touched, so pointing REDIS_URL at a development Redis is safe.
import { createServer, connect } from 'node:net';
import { loadPackage } from './packages.mjs';
import { startRedisServer } from './redis-server.mjs';

const LOCK_KEY = 'twelve-factor-labs:checker-lock';
const LOCK_SECONDS = 600;

function withHostPort(url, host, port, db) {
  const copy = new URL(url);
  copy.hostname = host;
  copy.port = String(port);
  copy.pathname = `/${db}`;
  return copy.toString();
}

async function claimDatabase(Redis, url) {
  const token = `${process.pid}-${Date.now()}`;
  for (const db of [...Array.from({ length: 15 }, (_, i) => i + 1), 0]) {
    const client = new Redis(url, { db, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    try {
      await client.connect();
      if ((await client.dbsize()) === 0 && (await client.set(LOCK_KEY, token, 'EX', LOCK_SECONDS, 'NX')) === 'OK') return { client, db };
    } catch (error) {
      client.disconnect();
      throw new Error(`Could not use the Redis at REDIS_URL (${url}): ${error.message}. Unset REDIS_URL to use the embedded Redis.`);
    }
    client.disconnect();
  }
  throw new Error(`The Redis at REDIS_URL has no empty database for the checker to borrow; free one (databases 1–15) or unset REDIS_URL.`);
}

/**
 * Opens the backing Redis for one checker run.
 * @returns {Promise<{ kind: 'embedded'|'external', url: string, client: any, reset(): Promise<void>, watch(): Promise<Watcher>, entries(): Promise<{key: string, value: string|null, type: string}[]>, close(): Promise<void> }>}
 */
export async function openBacking(externalUrl = process.env.REDIS_URL) {
  const Redis = loadPackage('ioredis');
  let embedded, client, url, host, port, db;
  if (externalUrl) {
    ({ client, db } = await claimDatabase(Redis, externalUrl));
    const parsed = new URL(externalUrl);
    host = parsed.hostname;
    port = Number(parsed.port || 6379);
    url = withHostPort(externalUrl, host, port, db);
  } else {
    embedded = await startRedisServer();
    ({ port, url } = embedded);
    host = '127.0.0.1';
    db = 0;
    client = new Redis(url, { maxRetriesPerRequest: 1 });
  }
  const watchers = new Set();
  return {
    kind: embedded ? 'embedded' : 'external',
    url,
    client,
    async reset() {
      if (embedded) await client.flushall();
      else await client.multi().flushdb().set(LOCK_KEY, 'held', 'EX', LOCK_SECONDS).exec();
    },
    /** Every key the app wrote, with string values read (other types report their type only). */
    async entries() {
      const keys = (await client.keys('*')).filter((k) => k !== LOCK_KEY).sort();
      return Promise.all(keys.map(async (key) => {
        const type = await client.type(key);
        return { key, type, value: type === 'string' ? await client.get(key) : null };
      }));
    },
    /** A pass-through proxy in front of this Redis that records the app's connections and commands. */
    async watch() {
      const watcher = await startWatcher(host, port, (p) => withHostPort(url, '127.0.0.1', p, db));
      watchers.add(watcher);
      return watcher;
    },
    async close() {
      for (const watcher of watchers) await watcher.close();
      if (embedded) {
        client.disconnect();
        await embedded.close();
      } else {
        await client.flushdb().catch(() => {});
        await client.quit().catch(() => client.disconnect());
      }
    },
  };
}

/**
 * @typedef {{ url: string, connections: { commands: string[], quit: boolean, closedAt?: number }[], readonly open: number, sawQuit(): boolean, close(): Promise<void> }} Watcher
 */
async function startWatcher(targetHost, targetPort, urlFor) {
  const Parser = loadPackage('redis-parser');
  const connections = [];
  const sockets = new Set();
  const server = createServer((client) => {
    const record = { commands: [], quit: false, closedAt: undefined };
    connections.push(record);
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const parser = new Parser({
      returnReply(args) {
        const name = String(Array.isArray(args) ? args[0] : args).toUpperCase();
        if (record.commands.length < 200) record.commands.push(name);
        if (name === 'QUIT') record.quit = true;
      },
      returnError() {},
    });
    client.on('data', (chunk) => {
      try {
        parser.execute(chunk);
      } catch {}
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      record.closedAt ??= performance.now();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: urlFor(port),
    connections,
    get open() {
      return connections.filter((c) => c.closedAt === undefined).length;
    },
    sawQuit: () => connections.some((c) => c.quit),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
