// @ts-check
// The checker's own Redis. Without REDIS_URL it starts the embedded server in-process; with REDIS_URL
// it borrows one *empty* database of that server (1–15, then 0), marks it with a lock key so parallel
// checker runs never share one, empties it between checks and after the run. A database that already
// holds data is never touched, so pointing REDIS_URL at a development Redis is safe.
//
// `secured()` gives a Redis that demands a random password and a random non-zero database, so an app only
// counts in the right place when it uses REDIS_URL whole: embedded, a second embedded server with
// `requirepass`; external, a gate (watcher.mjs, enforce mode) in front of a database borrowed for it alone.
import { randomBytes, randomInt } from 'node:crypto';
import { loadPackage } from './packages.mjs';
import { startRedisServer } from './redis-server.mjs';
import { startWatcher } from './watcher.mjs';

const LOCK_KEY = 'twelve-factor-labs:checker-lock';
const LOCK_SECONDS = 600;

/** @param {string} url @param {string} host @param {number} port @param {number} db @param {string} [password] */
function withHostPort(url, host, port, db, password) {
  const copy = new URL(url);
  copy.hostname = host;
  copy.port = String(port);
  copy.pathname = `/${db}`;
  if (password !== undefined) {
    copy.username = '';
    copy.password = encodeURIComponent(password);
  }
  return copy.toString();
}

/** @param {any} Redis @param {string} url */
async function claimDatabase(Redis, url) {
  const token = `${process.pid}-${Date.now()}`;
  for (const db of [...Array.from({ length: 15 }, (_, i) => i + 1), 0]) {
    const client = new Redis(url, { db, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    try {
      await client.connect();
      if ((await client.dbsize()) === 0 && (await client.set(LOCK_KEY, token, 'EX', LOCK_SECONDS, 'NX')) === 'OK') return { client, db };
    } catch (error) {
      client.disconnect();
      throw new Error(`Could not use the Redis at REDIS_URL (${url}): ${/** @type {Error} */ (error).message}. Unset REDIS_URL to use the embedded Redis.`);
    }
    client.disconnect();
  }
  throw new Error(`The Redis at REDIS_URL has no empty database for the checker to borrow; free one (databases 1–15) or unset REDIS_URL.`);
}

/**
 * Reads what an app left in a database.
 * @param {any} client
 * @returns {Promise<import('./index.d.ts').RedisEntry[]>}
 */
async function entriesOf(client) {
  const keys = (await client.keys('*')).filter((/** @type {string} */ k) => k !== LOCK_KEY).sort();
  return Promise.all(keys.map(async (/** @type {string} */ key) => {
    const type = await client.type(key);
    return { key, type, value: type === 'string' ? await client.get(key) : null, ...(type === 'hash' ? { hash: await client.hgetall(key) } : {}) };
  }));
}

/**
 * Opens the backing Redis for one checker run.
 * @param {string | undefined} [externalUrl]
 * @returns {Promise<import('./index.d.ts').CheckRedis & { kind: 'embedded' | 'external', reset(): Promise<void>, close(): Promise<void> }>}
 */
export async function openBacking(externalUrl = process.env.REDIS_URL) {
  const Redis = loadPackage('ioredis');
  /** @type {Awaited<ReturnType<typeof startRedisServer>> | undefined} */
  let embedded;
  let client, url, host, port, db;
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
  /** Things to close with the run; `reset` empties the secured servers too. */
  const closers = new Set();
  /** How to empty each secured Redis between checks. @type {Set<() => Promise<unknown>>} */
  const securedResets = new Set();
  const external = externalUrl ? new URL(externalUrl) : undefined;

  const backing = {
    kind: /** @type {'embedded' | 'external'} */ (embedded ? 'embedded' : 'external'),
    url,
    client,
    async reset() {
      if (embedded) await client.flushall();
      else await client.multi().flushdb().set(LOCK_KEY, 'held', 'EX', LOCK_SECONDS).exec();
      await Promise.all([...securedResets].map((reset) => reset().catch(() => {})));
    },
    entries: () => entriesOf(client),
    keys: async (pattern = '*') => (await client.keys(pattern)).filter((/** @type {string} */ k) => k !== LOCK_KEY).sort(),
    async watch() {
      const watcher = await startWatcher({ host, port, urlFor: (p) => withHostPort(url, '127.0.0.1', p, db) });
      closers.add(() => watcher.close());
      return watcher;
    },
    /** @param {{ password?: string, db?: number }} [options] */
    async secured({ password = randomBytes(12).toString('hex'), db: index = randomInt(1, 16) } = {}) {
      if (!Number.isInteger(index) || index < 1 || index > 15) throw new Error(`secured({ db }) takes a database 1–15, not ${index}.`);
      if (embedded) {
        const server = await startRedisServer({ password });
        const own = new Redis({ host: '127.0.0.1', port: server.port, password, db: index, maxRetriesPerRequest: 1 });
        closers.add(async () => {
          own.disconnect();
          await server.close();
        });
        securedResets.add(() => own.flushdb());
        const urlFor = (/** @type {number} */ p) => withHostPort(server.url, '127.0.0.1', p, index, password);
        return {
          url: urlFor(server.port), password, db: index, client: own,
          entries: () => entriesOf(own),
          keys: async (pattern = '*') => (await own.keys(pattern)).sort(),
          watch: async () => {
            const watcher = await startWatcher({ host: '127.0.0.1', port: server.port, urlFor });
            closers.add(() => watcher.close());
            return watcher;
          },
        };
      }
      // A real server: a database borrowed for this Redis alone, so its data stays apart from t.redis and
      // from other secured Redises, behind a gate that logs in with REDIS_URL's own credentials and keeps
      // the app in that database.
      const own = await claimDatabase(Redis, /** @type {string} */ (externalUrl));
      securedResets.add(() => own.client.multi().flushdb().set(LOCK_KEY, 'held', 'EX', LOCK_SECONDS).exec());
      closers.add(async () => {
        await own.client.flushdb().catch(() => {});
        await own.client.quit().catch(() => own.client.disconnect());
      });
      const gate = async () => {
        const watcher = await startWatcher({
          host, port,
          urlFor: (p) => withHostPort(url, '127.0.0.1', p, index, password),
          upstream: { ...(external?.username ? { username: decodeURIComponent(external.username) } : {}), ...(external?.password ? { password: decodeURIComponent(external.password) } : {}), db: own.db },
          enforce: { password, db: index },
        });
        closers.add(() => watcher.close());
        return watcher;
      };
      const first = await gate();
      return {
        url: first.url, password, db: index, client: own.client,
        entries: () => entriesOf(own.client),
        keys: async (pattern = '*') => (await own.client.keys(pattern)).filter((/** @type {string} */ k) => k !== LOCK_KEY).sort(),
        watch: gate,
      };
    },
    async close() {
      for (const close of closers) await close().catch(() => {});
      if (embedded) {
        client.disconnect();
        await embedded.close();
      } else {
        await client.flushdb().catch(() => {});
        await client.quit().catch(() => client.disconnect());
      }
    },
  };
  return backing;
}
