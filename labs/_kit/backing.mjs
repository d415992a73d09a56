// @ts-check
// The checker's own Redis. Without REDIS_URL it starts the embedded server in-process; with REDIS_URL
// it borrows one *empty* database of that server (1 up to the server's last, then 0), marks it with a lock
// key naming its checker so parallel runs never share one, empties it between checks and after the run.
// A database that holds data without a checker's lock is never touched, so pointing REDIS_URL at a
// development Redis is safe; one whose checker died (killed mid-run) is taken back and emptied.
//
// `secured()` gives a Redis that demands a random password and a random non-zero database, so an app only
// counts in the right place when it uses REDIS_URL whole: embedded, a second embedded server with
// `requirepass`; external, a gate (watcher.mjs, enforce mode) in front of a database borrowed for it alone.
import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import { loadPackage } from './packages.mjs';
import { startRedisServer } from './redis-server.mjs';
import { startWatcher } from './watcher.mjs';

const LOCK_KEY = 'twelve-factor-labs:checker-lock';
/** How often a checker renews the locks it holds, and after how long without renewal a lock is stale. */
const RENEW_MS = 15_000;
const STALE_MS = 120_000;

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

/** Who holds a lock: this machine, this process, and when it last renewed. */
const owner = () => JSON.stringify({ host: hostname(), pid: process.pid, at: Date.now() });

/** True if a lock was left by a checker that is gone: one on this machine whose process has ended, or one that stopped renewing. */
function abandoned(/** @type {string | null} */ value) {
  let lock;
  try {
    lock = JSON.parse(value ?? '');
  } catch {
    return false;
  }
  if (typeof lock?.at !== 'number' || typeof lock?.pid !== 'number') return false;
  if (Date.now() - lock.at > STALE_MS) return true;
  if (lock.host !== hostname()) return false;
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'ESRCH';
  }
}

/** How many databases the server has (`databases` in its config); 16, Redis's default, when CONFIG is not allowed. */
async function databaseCount(/** @type {any} */ client) {
  try {
    const [, value] = await client.config('GET', 'databases');
    const count = Number(value);
    return Number.isInteger(count) && count > 0 ? count : 16;
  } catch {
    return 16;
  }
}

/**
 * Borrows one database of the server at `url`: an empty one, or one whose only owner was a checker that
 * has gone (its lock says so; such a database holds nothing but that checker's leftovers). A database
 * with data and no checker lock is never touched. The lock is renewed while the run lasts.
 * @param {any} Redis @param {string} url
 */
async function claimDatabase(Redis, url) {
  const open = (/** @type {number} */ db) => new Redis(url, { db, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const first = open(0);
  let count;
  try {
    await first.connect();
    count = await databaseCount(first);
  } catch (error) {
    first.disconnect();
    throw new Error(`Could not use the Redis at REDIS_URL (${url}): ${/** @type {Error} */ (error).message}. Unset REDIS_URL to use the embedded Redis.`);
  }
  first.disconnect();
  for (const db of [...Array.from({ length: count - 1 }, (_, i) => i + 1), 0]) {
    const client = open(db);
    try {
      await client.connect();
      let claimed = (await client.dbsize()) === 0 && (await client.set(LOCK_KEY, owner(), 'NX')) === 'OK';
      if (!claimed) {
        const held = await client.get(LOCK_KEY);
        if (held !== null && abandoned(held)) {
          // Take the lock over only if nobody renewed or took it meanwhile, then empty what its checker left.
          const swapped = await client.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('FLUSHDB') return redis.call('SET', KEYS[1], ARGV[2]) end return false`, 1, LOCK_KEY, held, owner());
          claimed = swapped === 'OK';
        }
      }
      if (claimed) {
        const timer = setInterval(() => client.set(LOCK_KEY, owner()).catch(() => {}), RENEW_MS);
        timer.unref();
        client.once('end', () => clearInterval(timer));
        return { client, db, relock: () => client.multi().flushdb().set(LOCK_KEY, owner()).exec() };
      }
    } catch (error) {
      client.disconnect();
      throw new Error(`Could not use the Redis at REDIS_URL (${url}): ${/** @type {Error} */ (error).message}. Unset REDIS_URL to use the embedded Redis.`);
    }
    client.disconnect();
  }
  throw new Error(`The Redis at REDIS_URL has no database free for the checker: all ${count} hold data or another running checker's lock. Free one, start redis-server with more (--databases 64), or unset REDIS_URL to use the embedded Redis.`);
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
  /** Empties the borrowed database and sets its lock again (external only). @type {() => Promise<void | unknown[] | null>} */
  let relock = async () => undefined;
  if (externalUrl) {
    ({ client, db, relock } = await claimDatabase(Redis, externalUrl));
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
      else await relock();
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
      securedResets.add(() => own.relock());
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
