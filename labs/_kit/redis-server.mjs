// An embedded Redis-compatible server: RESP over TCP on loopback, `redis-parser` for the protocol and
// `ioredis-mock` as the data engine. It lets a lab run where no Redis exists (a browser, a fresh laptop).
// Every process of a lab connects to the same server, so they share data just as with a real Redis.
//
// Commands run one at a time, in arrival order, across all clients: replies to pipelined commands come
// back in order, and MULTI/EXEC blocks are atomic. WATCH is per connection, as in Redis: EXEC aborts
// (replies with a null array) when another client — or the same one — changed a watched key since WATCH,
// so an optimistic WATCH/MULTI/EXEC retry loop behaves here as it does against a real redis-server.
// The blocking list pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH), which the mock lacks, block only their own
// connection, as in Redis: a job queue's workers wait on them while other clients go on pushing.
//
//   node redis-server.mjs [--port N]   prints `{"msg":"redis ready","url":...}` and serves until SIGTERM/SIGINT.
import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadPackage } from './packages.mjs';
import { encodeReply, status } from './resp.mjs';

const RedisMock = loadPackage('ioredis-mock');
const Parser = loadPackage('redis-parser');

const ERR_ARGS = (name) => new Error(`ERR wrong number of arguments for '${name}' command`);
/** EXEC's reply when a watched key changed: RESP2's null array, `*-1`. */
const ABORTED = Symbol('null array');
/** A blocking pop found nothing: the connection waits (see `blocked`), its reply comes later. */
const BLOCKED = Symbol('blocked');
/** Blocking list commands and how to try each once without blocking. */
const BLOCKING = {
  blpop: { keys: (rest) => rest.slice(0, -1), minArgs: 2, pop: (mock, rest) => firstPop(mock, 'lpop', rest.slice(0, -1)) },
  brpop: { keys: (rest) => rest.slice(0, -1), minArgs: 2, pop: (mock, rest) => firstPop(mock, 'rpop', rest.slice(0, -1)) },
  blmove: { keys: (rest) => [rest[0]], args: 5, pop: (mock, rest) => mock.lmove(rest[0], rest[1], rest[2], rest[3]) },
  brpoplpush: { keys: (rest) => [rest[0]], args: 3, pop: (mock, rest) => mock.rpoplpush(rest[0], rest[1]) },
};
/** BLPOP/BRPOP: the first non-empty key's element, as [key, value]; null when all are empty. */
async function firstPop(mock, pop, keys) {
  for (const key of keys) {
    const value = await mock[pop](key);
    if (value !== null && value !== undefined) return [key, value];
  }
  return null;
}
let instances = 0;

/**
 * Starts the server. Resolves once it listens.
 * @param {{ port?: number, host?: string, password?: string }} [options] port 0 (default) picks a free one;
 *   `password` makes it require AUTH first, as Redis's `requirepass` does.
 */
export async function startRedisServer({ port = 0, host = '127.0.0.1', password } = {}) {
  // ioredis-mock shares data between instances created with the same host and port; one "port" per db.
  const namespace = `embedded-${process.pid}-${++instances}`;
  const dbs = new Map();
  /** Connections with a WATCH in force; each holds `watching`: a Set of `${db}:${key}`. */
  const watchers = new Set();
  /** Connections waiting in a blocking pop; each holds `blocked`: { name, rest, keys, timer }. */
  const blockedConns = new Set();
  const touch = (index, key) => {
    for (const conn of watchers) if (conn.watching.has(`${index}:${key}`)) conn.dirty = true;
    for (const conn of blockedConns) if (conn.db === index && conn.blocked.keys.includes(key)) wake(conn);
  };
  const touchAll = (index) => {
    for (const conn of watchers) if (index === undefined || [...conn.watching].some((k) => k.startsWith(`${index}:`))) conn.dirty = true;
  };
  const unwatch = (conn) => {
    conn.watching.clear();
    conn.dirty = false;
    watchers.delete(conn);
  };
  const db = (index) => {
    if (!dbs.has(index)) {
      const mock = new RedisMock({ host: namespace, port: index + 1, lazyConnect: false });
      // The mock announces every key it writes or deletes; that is what invalidates a WATCH.
      mock.context.modifiedKeyEvents.on('modified', (key) => touch(index, key));
      dbs.set(index, mock);
    }
    return dbs.get(index);
  };
  /** A watched key that has expired since WATCH counts as changed, as in Redis. */
  const expiredWatched = (conn) =>
    [...conn.watching].some((entry) => {
      const at = entry.indexOf(':');
      const mock = db(Number(entry.slice(0, at)));
      const key = entry.slice(at + 1);
      return mock.expires.has(key) && mock.expires.isExpired(key);
    });
  let queue = Promise.resolve();
  const sockets = new Set();

  async function execute(conn, args) {
    const name = String(args[0] ?? '').toLowerCase();
    const rest = args.slice(1).map(String);
    if (name === 'auth') return authenticate(conn, rest);
    if (!conn.authed && name !== 'quit' && name !== 'hello') return new Error('NOAUTH Authentication required.');
    switch (name) {
      case 'ping':
        return rest.length ? rest[0] : status('PONG');
      case 'quit':
        conn.closing = true;
        return status('OK');
      case 'select': {
        const index = Number(rest[0]);
        if (rest.length !== 1) return ERR_ARGS(name);
        if (!Number.isInteger(index) || index < 0 || index > 15) return new Error('ERR DB index is out of range');
        conn.db = index;
        return status('OK');
      }
      case 'client':
        // ioredis names its connections with CLIENT SETNAME when asked to; accept and remember it.
        if (String(rest[0]).toLowerCase() === 'setname') {
          conn.name = rest[1];
          return status('OK');
        }
        if (String(rest[0]).toLowerCase() === 'getname') return conn.name ?? null;
        if (String(rest[0]).toLowerCase() === 'id') return conn.id;
        return new Error(`ERR unknown subcommand '${rest[0]}'`);
      case 'flushall':
        touchAll();
        for (const mock of dbs.values()) await mock.flushdb();
        return status('OK');
      case 'flushdb':
        touchAll(conn.db);
        return run(conn, args);
      case 'watch':
        if (conn.transaction) return new Error('ERR WATCH inside MULTI is not allowed');
        if (!rest.length) return ERR_ARGS(name);
        for (const key of rest) conn.watching.add(`${conn.db}:${key}`);
        watchers.add(conn);
        return status('OK');
      case 'unwatch':
        unwatch(conn);
        return status('OK');
      case 'multi':
        if (conn.transaction) return new Error('ERR MULTI calls can not be nested');
        conn.transaction = [];
        return status('OK');
      case 'discard':
        if (!conn.transaction) return new Error('ERR DISCARD without MULTI');
        conn.transaction = undefined;
        unwatch(conn);
        return status('OK');
      case 'exec': {
        if (!conn.transaction) return new Error('ERR EXEC without MULTI');
        const queued = conn.transaction;
        conn.transaction = undefined;
        const aborted = conn.dirty || expiredWatched(conn);
        unwatch(conn);
        if (aborted) return ABORTED;
        const replies = [];
        conn.executing = true;
        try {
          for (const command of queued) replies.push(await execute(conn, command));
        } finally {
          conn.executing = false;
        }
        return replies;
      }
      default:
        if (Object.hasOwn(BLOCKING, name)) return block(conn, name, rest);
        return run(conn, args);
    }
  }

  /** Pops at once when it can; otherwise marks the connection blocked until a push or the timeout. */
  async function block(conn, name, rest) {
    const spec = BLOCKING[name];
    if (spec.args ? rest.length !== spec.args : rest.length < spec.minArgs) return ERR_ARGS(name);
    const timeout = Number(rest.at(-1));
    if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(rest.at(-1)) || !Number.isFinite(timeout)) return new Error('ERR timeout is not a float or out of range');
    if (timeout < 0) return new Error('ERR timeout is negative');
    const popped = await attempt(conn, spec, rest);
    // Inside MULTI (EXEC) a blocking pop never blocks: it answers null when there is nothing, as in Redis.
    if (popped !== null || conn.executing) return popped;
    conn.blocked = { name, rest, keys: spec.keys(rest), timer: undefined };
    if (timeout > 0) conn.blocked.timer = setTimeout(() => later(conn, conn.blocked, async () => null), timeout * 1000);
    blockedConns.add(conn);
    return BLOCKED;
  }

  async function attempt(conn, spec, rest) {
    try {
      return await spec.pop(db(conn.db), rest);
    } catch (error) {
      return new Error(error.message.startsWith('ERR') || error.message.startsWith('WRONGTYPE') ? error.message : `ERR ${error.message}`);
    }
  }

  /** A key a blocked connection waits on changed: try its pop again, in turn with every other command. */
  function wake(conn) {
    const { blocked } = conn;
    if (blocked.waking) return;
    blocked.waking = true;
    later(conn, blocked, async () => {
      blocked.waking = false;
      const popped = await attempt(conn, BLOCKING[blocked.name], blocked.rest);
      return popped === null ? BLOCKED : popped;
    });
  }

  /** Runs `settle` in the global order; unless it says BLOCKED, sends its reply and unblocks the connection. */
  function later(conn, blocked, settle) {
    queue = queue.then(async () => {
      if (conn.blocked !== blocked || !conn.socket || conn.socket.destroyed) return;
      const reply = await settle();
      if (reply === BLOCKED) return;
      clearTimeout(blocked.timer);
      conn.blocked = undefined;
      blockedConns.delete(conn);
      conn.socket.write(encodeReply(reply));
      // Commands the client sent while it was blocked run now, in order, until one blocks again.
      while (!conn.blocked && conn.backlog.length && !conn.socket.destroyed) await conn.step(conn.backlog.shift());
    });
  }

  function authenticate(conn, rest) {
    if (rest.length < 1 || rest.length > 2) return ERR_ARGS('auth');
    const [user, given] = rest.length === 2 ? rest : ['default', rest[0]];
    if (password === undefined) return new Error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    if (user !== 'default' || given !== password) return new Error('WRONGPASS invalid username-password pair or user is disabled.');
    conn.authed = true;
    return status('OK');
  }

  async function run(conn, args) {
    const name = String(args[0] ?? '').toLowerCase();
    const mock = db(conn.db);
    const unknown = () => new Error(`ERR unknown command '${args[0]}', with args beginning with: ${args.slice(1, 4).map((a) => `'${a}'`).join(' ')}`);
    if (!/^[a-z]+$/.test(name) || typeof mock[name] !== 'function' || name === 'multi' || name === 'pipeline') return unknown();
    try {
      const reply = await mock[name](...args.slice(1).map(String));
      return name === 'set' || name === 'flushdb' || name === 'mset' || name === 'rename' ? (reply === 'OK' ? status('OK') : reply) : reply;
    } catch (error) {
      if (error instanceof TypeError && /Unsupported command/.test(error.message)) return unknown();
      const message = error.message.startsWith('ERR') || error.message.startsWith('WRONGTYPE') ? error.message : `ERR ${error.message}`;
      return new Error(message);
    }
  }

  let nextId = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn = { id: ++nextId, db: 0, closing: false, transaction: undefined, name: undefined, watching: new Set(), dirty: false, authed: password === undefined, socket, blocked: undefined, backlog: [], executing: false, step: undefined };
    /** Runs one command and sends its reply (none yet when it blocks). */
    conn.step = async (args) => {
      const name = String(args[0] ?? '').toLowerCase();
      const queueing = conn.transaction && !['exec', 'discard', 'multi', 'watch', 'quit'].includes(name);
      if (queueing) conn.transaction.push(args);
      const reply = queueing ? status('QUEUED') : await execute(conn, args);
      if (reply === BLOCKED) return;
      socket.write(reply === ABORTED ? Buffer.from('*-1\r\n') : encodeReply(reply));
      if (conn.closing) socket.end();
    };
    const parser = new Parser({
      returnReply(args) {
        if (!Array.isArray(args)) args = String(args).trim().split(/\s+/); // inline commands (telnet, redis-cli -x)
        queue = queue.then(async () => {
          if (socket.destroyed) return;
          // A blocked client's commands wait their turn behind the blocking one, as in Redis.
          if (conn.blocked || conn.backlog.length) conn.backlog.push(args);
          else await conn.step(args);
        });
      },
      returnError(error) {
        socket.end(encodeReply(new Error(`ERR Protocol error: ${error.message}`)));
      },
    });
    socket.on('data', (chunk) => parser.execute(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      unwatch(conn);
      if (conn.blocked) clearTimeout(conn.blocked.timer);
      conn.blocked = undefined;
      blockedConns.delete(conn);
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    port: address.port,
    url: password === undefined ? `redis://${host}:${address.port}` : `redis://:${encodeURIComponent(password)}@${host}:${address.port}`,
    /** Number of clients connected right now. */
    get clients() {
      return sockets.size;
    },
    /** Stops listening and disconnects every client. */
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
      for (const mock of dbs.values()) await mock.flushdb();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const portFlag = process.argv.indexOf('--port');
  const server = await startRedisServer({ port: portFlag > 0 ? Number(process.argv[portFlag + 1]) : 0 });
  console.log(JSON.stringify({ msg: 'redis ready', url: server.url }));
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
