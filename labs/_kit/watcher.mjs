// @ts-check
// A Redis proxy on loopback that records what an app does with Redis: every connection, every command in
// order, whether each command got its reply, and how the connection ended. It can play "Redis is down"
// (pause: connections cut, new ones refused) and come back on the same address (resume).
//
// hold() makes Redis slow on purpose from a moment on: every reply waits a random time before the app
// gets it. A command the app sends and does not wait for is then still unanswered when the app exits,
// however fast the real Redis behind is. Held replies slow the app down, so a check that times the app
// should do so in a run without hold().
//
// In `enforce` mode it is also the gate of a secured Redis borrowed from a real server: the app must
// AUTH with the checker's random password and SELECT the checker's random database; the proxy logs in
// upstream itself and maps that database onto the one borrowed database, so nothing the app does can
// reach other databases of that server.
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { encodeCommand } from './resp.mjs';

const CRLF = Buffer.from('\r\n');

/**
 * Where the RESP reply starting at `at` ends, or -1 when it is not complete yet. Handles RESP2 and RESP3.
 * @param {Buffer} buf @param {number} at
 * @returns {number}
 */
export function replyEnd(buf, at) {
  if (at >= buf.length) return -1;
  const eol = buf.indexOf(CRLF, at);
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[at] ?? 0);
  const n = Number(buf.toString('latin1', at + 1, eol));
  const next = eol + 2;
  if ('+-:_,#('.includes(type)) return next;
  if ('$!='.includes(type)) return n < 0 ? next : next + n + 2 <= buf.length ? next + n + 2 : -1;
  if ('*~>%|'.includes(type)) {
    let p = next;
    const items = n < 0 ? 0 : '%|'.includes(type) ? n * 2 : n;
    for (let i = 0; i < items; i++) if ((p = replyEnd(buf, p)) < 0) return -1;
    return type === '|' ? replyEnd(buf, p) : p; // an attribute precedes the reply it describes
  }
  return next; // not RESP: treat the line as one reply rather than stall
}

/**
 * Parses one command (a RESP array of bulk strings, or an inline command line) at `at`.
 * @param {Buffer} buf @param {number} at
 * @returns {{ args: Buffer[], end: number } | undefined} undefined when incomplete
 */
export function parseCommandAt(buf, at) {
  const eol = buf.indexOf(CRLF, at);
  if (buf[at] !== 0x2a /* * */) {
    const lf = buf.indexOf(0x0a, at);
    if (lf < 0) return undefined;
    const words = buf.toString('utf8', at, lf).trim().split(/\s+/).filter(Boolean);
    return { args: words.map((w) => Buffer.from(w)), end: lf + 1 };
  }
  if (eol < 0) return undefined;
  const count = Number(buf.toString('latin1', at + 1, eol));
  const args = [];
  let p = eol + 2;
  for (let i = 0; i < count; i++) {
    const lineEnd = buf.indexOf(CRLF, p);
    if (lineEnd < 0 || buf[p] !== 0x24 /* $ */) return undefined;
    const len = Number(buf.toString('latin1', p + 1, lineEnd));
    const start = lineEnd + 2;
    if (start + len + 2 > buf.length) return undefined;
    args.push(buf.subarray(start, start + len));
    p = start + len + 2;
  }
  return { args, end: p };
}

const error = (/** @type {string} */ text) => Buffer.from(`-${text}\r\n`);
const OK = Buffer.from('+OK\r\n');
/** Commands that could reach beyond the borrowed database, or the server itself. */
const FORBIDDEN = new Set(['flushall', 'swapdb', 'move', 'migrate', 'config', 'shutdown', 'debug', 'replicaof', 'slaveof', 'acl', 'module', 'save', 'bgsave', 'bgrewriteaof', 'failover', 'cluster', 'monitor', 'sync', 'psync']);
const STREAMING = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'monitor']);

/**
 * Whether the app is running and not on its way out: when it is, a connection that just closed was
 * closed by the app itself, not cut by its exit. Linux: the process state and PF_EXITING from /proc;
 * undefined where /proc cannot say.
 * @param {import('./index.d.ts').App} app
 */
function isAlive(app) {
  if (!app.running) return false;
  try {
    const stat = readFileSync(`/proc/${app.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return !(fields[0] === 'Z' || fields[0] === 'X' || (Number(fields[6]) & 0x4) !== 0);
  } catch {
    return undefined;
  }
}

/**
 * @typedef {import('./index.d.ts').WatchedConnection} WatchedConnection
 * @typedef {import('./index.d.ts').Watcher} Watcher
 * @param {{ host: string, port: number, urlFor: (port: number) => string,
 *   upstream?: { username?: string, password?: string, db?: number },
 *   enforce?: { password: string, db: number } }} options
 *   `upstream`: how the proxy logs in itself (enforce mode); `enforce`: what the app must present.
 * @returns {Promise<Watcher>}
 */
export async function startWatcher({ host, port: targetPort, urlFor, upstream, enforce }) {
  /** @type {WatchedConnection[]} */
  const connections = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  let paused = false;
  const origin = performance.now();
  /** @type {import('./index.d.ts').App | undefined} */
  let followed;
  /** While set, how long each reply is held before the app gets it. @type {(() => number) | undefined} */
  let holdFor;

  const server = createServer((client) => {
    if (paused) return void client.destroy();
    /** @type {WatchedConnection & { pending: number }} */
    const record = { id: connections.length + 1, commands: [], quit: false, openedAt: performance.now() - origin, closedCleanly: false, unanswered: 0, pending: 0 };
    connections.push(record);
    const up = connect(targetPort, host);
    client.setNoDelay(true);
    up.setNoDelay(true);
    sockets.add(client).add(up);
    /** @typedef {{ data?: Buffer | undefined, internal?: boolean, up: boolean, command?: import('./index.d.ts').WatchedCommand | undefined, readyAt?: number }} Slot */
    /** @type {Slot[]} */
    const slots = [];
    /** @type {Buffer} */
    let fromClient = Buffer.alloc(0);
    /** @type {Buffer} */
    let fromUp = Buffer.alloc(0);
    let streaming = false;
    let authed = !enforce;
    let db = 0;

    /** @type {NodeJS.Timeout | undefined} */
    let flushTimer;
    /** Redis ended the connection (after QUIT, say) while replies were held: the app gets them first. */
    let upEnded = false;
    /** Gives the app its replies in order, each once its hold (if any) is over. */
    const flush = () => {
      while (slots[0]?.data) {
        const slot = /** @type {Slot & { data: Buffer }} */ (slots[0]);
        const now = performance.now();
        if (slot.readyAt !== undefined && slot.readyAt > now) {
          if (!flushTimer) flushTimer = setTimeout(() => {
            flushTimer = undefined;
            flush();
          }, Math.ceil(slot.readyAt - now));
          return;
        }
        slots.shift();
        if (slot.internal) {
          if (slot.data[0] === 0x2d) end('server'); // the proxy's own login failed
          continue;
        }
        if (client.destroyed) continue;
        if (slot.command) slot.command.answeredAt = now - origin;
        record.pending--;
        client.write(slot.data);
      }
      if (upEnded) end('server');
    };
    /** Marks a reply as come: the app gets it now, or after a hold. @param {Slot} slot @param {Buffer} data */
    const arrived = (slot, data) => {
      slot.data = data;
      if (holdFor && !slot.internal) slot.readyAt = performance.now() + holdFor();
    };
    /** @param {Buffer} data @param {import('./index.d.ts').WatchedCommand} command */
    const local = (data, command) => {
      /** @type {Slot} */
      const slot = { up: false, command };
      slots.push(slot);
      arrived(slot, data);
      flush();
    };
    /** @param {Buffer[]} args @param {boolean} internal @param {import('./index.d.ts').WatchedCommand} [command] */
    const forward = (args, internal, command) => {
      slots.push({ up: true, internal, command });
      up.write(encodeCommand(args));
    };

    if (upstream?.password) forward([Buffer.from('AUTH'), ...(upstream.username ? [Buffer.from(upstream.username)] : []), Buffer.from(upstream.password)], true);
    if (upstream?.db) forward([Buffer.from('SELECT'), Buffer.from(String(upstream.db))], true);

    /** @param {Buffer[]} args */
    const handle = (args) => {
      if (args.length === 0) return;
      const name = String(args[0]).toLowerCase();
      /** @type {import('./index.d.ts').WatchedCommand} */
      const command = { name: name.toUpperCase(), args: args.slice(1, 11).map((a) => (a.length > 200 ? `${a.toString('utf8', 0, 200)}…` : a.toString('utf8'))), at: performance.now() - origin };
      if (record.commands.length < 500) record.commands.push(command);
      if (name === 'quit') record.quit = true;
      // Once subscribed, replies are a stream of messages rather than one per command.
      if (streaming) return void up.write(encodeCommand(args));
      record.pending++;
      if (!enforce) {
        if (STREAMING.has(name)) streaming = true;
        return forward(args, false, command);
      }
      // The secured gate.
      if (name === 'auth') {
        const [user, pass] = args.length > 2 ? [String(args[1]), String(args[2])] : ['default', args[1]?.toString()];
        if (pass === undefined) return local(error("ERR wrong number of arguments for 'auth' command"), command);
        if (user !== 'default' || pass !== enforce.password) return local(error('WRONGPASS invalid username-password pair or user is disabled.'), command);
        authed = true;
        return local(OK, command);
      }
      if (name === 'quit') return forward(args, false, command);
      if (name === 'hello') {
        const at = args.findIndex((a) => a.toString().toLowerCase() === 'auth');
        if (at > 0) {
          if (args[at + 1]?.toString() !== 'default' || args[at + 2]?.toString() !== enforce.password) return local(error('WRONGPASS invalid username-password pair or user is disabled.'), command);
          authed = true;
        }
        if (!authed) return local(error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time'), command);
        if (args[1] && String(args[1]) !== '2') return local(error('NOPROTO sorry, this protocol version is not supported.'), command);
        return forward([Buffer.from('HELLO'), Buffer.from('2')], false, command);
      }
      if (!authed) return local(error('NOAUTH Authentication required.'), command);
      if (name === 'select') {
        const index = Number(args[1]?.toString());
        if (!Number.isInteger(index) || index < 0 || index > 15) return local(error('ERR DB index is out of range'), command);
        db = index;
        return local(OK, command);
      }
      if (FORBIDDEN.has(name)) return local(error(`ERR the checker's Redis does not allow ${name.toUpperCase()}`), command);
      if (db !== enforce.db) return local(error(`ERR the checker's Redis keeps this lab's data in database ${enforce.db}, the one REDIS_URL names; this connection is using database ${db}`), command);
      if (STREAMING.has(name)) streaming = true;
      forward(args, false, command);
    };

    client.on('data', (/** @type {Buffer} */ chunk) => {
      fromClient = /** @type {Buffer} */ (fromClient.length ? Buffer.concat([fromClient, chunk]) : chunk);
      let at = 0;
      for (;;) {
        const parsed = parseCommandAt(fromClient, at);
        if (!parsed) break;
        at = parsed.end;
        handle(parsed.args);
      }
      fromClient = fromClient.subarray(at);
    });
    up.on('data', (/** @type {Buffer} */ chunk) => {
      if (streaming && !slots.length) return void client.write(chunk);
      fromUp = /** @type {Buffer} */ (fromUp.length ? Buffer.concat([fromUp, chunk]) : chunk);
      let at = 0;
      for (;;) {
        const end = replyEnd(fromUp, at);
        if (end < 0) break;
        const slot = slots.find((s) => s.up && !s.data);
        const reply = fromUp.subarray(at, end);
        at = end;
        if (slot) arrived(slot, Buffer.from(reply));
        else if (!client.destroyed) client.write(reply); // a push (pub/sub) with no command waiting
      }
      fromUp = fromUp.subarray(at);
      flush();
    });

    /** @param {'client' | 'server' | 'watcher'} by */
    const end = (by) => {
      // Replies already come but held back still reach the app first; one Redis never sent cannot.
      if (by === 'server' && !client.destroyed && slots[0]?.data && !slots[0].internal) {
        upEnded = true;
        return;
      }
      upEnded = false;
      if (record.closedAt === undefined) {
        record.closedAt = performance.now() - origin;
        record.closedBy = by;
        record.unanswered = Math.max(0, record.pending);
        record.closedCleanly = by === 'client' ? record.unanswered === 0 : by === 'server' && record.quit && record.unanswered === 0;
        if (followed && by === 'client') record.appAlive = isAlive(followed);
      }
      clearTimeout(flushTimer);
      sockets.delete(client);
      sockets.delete(up);
      if (by === 'server') client.end();
      else client.destroy();
      up.destroy();
    };
    // A client that half-closes (FIN) has said goodbye; one that resets (RST) has not.
    client.on('end', () => end('client'));
    client.on('error', () => {
      if (record.closedAt === undefined) record.reset = true;
      end('client');
      record.closedCleanly = false;
    });
    client.on('close', () => end('client'));
    up.on('end', () => end('server'));
    up.on('error', () => end('server'));
    up.on('close', () => end('server'));
    /** @type {any} */ (client).endByWatcher = () => end('watcher');
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const cut = () => {
    for (const socket of [...sockets]) {
      const endByWatcher = /** @type {any} */ (socket).endByWatcher;
      if (endByWatcher) endByWatcher();
      else socket.destroy();
    }
  };
  /** @type {Watcher} */
  const watcher = {
    url: urlFor(port),
    port,
    connections,
    get open() {
      return connections.filter((c) => c.closedAt === undefined).length;
    },
    commands: () => connections.flatMap((c) => c.commands.map((command) => ({ connection: c.id, ...command }))),
    sawQuit: () => connections.some((c) => c.quit),
    follow(app) {
      followed = app;
      // Where /proc cannot say, judge by time: a connection the app closed itself ends well before the
      // process does; one the exit cut ends with it.
      app.exited.then((exit) => {
        const exitAt = app.started + exit.ms - origin;
        for (const c of connections) if (c.closedBy === 'client' && c.appAlive === undefined && c.closedAt !== undefined) c.appAlive = exitAt - c.closedAt > 5;
      });
    },
    hold({ min, max }) {
      if (!(min >= 0 && max >= min)) throw new Error(`hold() takes 0 <= min <= max, not ${min} and ${max}.`);
      holdFor = () => min + Math.random() * (max - min);
    },
    async pause() {
      if (paused) return;
      paused = true;
      cut();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
    async resume() {
      if (!paused) return;
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve(undefined);
        });
      });
      paused = false;
    },
    close() {
      cut();
      return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
  return watcher;
}
