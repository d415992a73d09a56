// @ts-check
// The one place lab processes are spawned, signalled and killed — by the checker kit, by `npm run
// check`, and by the local runner. Two models:
//
//   posix     every spawned process leads its own process group (`detached`); a signal goes to the
//             negative pid, so it reaches the app and everything the app started; kill = SIGKILL the group.
//   portable  no groups and no negative pids (WebContainer has neither). A signal goes to the spawned
//             process alone (`child.kill(signal)`); kill ends what the kit spawned plus every Node process
//             below it: each one loads the shim (below), which introduces it on the kit's control channel,
//             whatever the SIGTERM delivery, so an app that starts the real server as its own child
//             cannot leave it running. Pids are recorded in a file so the next run kills leftovers of a
//             run that died.
//
// The model is `portable` under WebContainer (`process.versions.webcontainer`) and on Windows, `posix`
// elsewhere; `LAB_PROCESS_MODEL=posix|portable` forces one.
//
// SIGTERM delivery. In `portable` every Node process is started with `--import <kit>/sigterm-shim.mjs`
// (through NODE_OPTIONS, so it reaches Node processes a shell or the app starts too): the shim connects
// to the kit's control channel on loopback and says which spawn it belongs to. The kit probes whether a
// signal sent to a child reaches its `process.on('SIGTERM')` handler (`probeSignalDelivery`); where it
// does not, signals go through the channel instead: the shim, told to, runs `process.emit('SIGTERM')`
// in-process when the app listens for it, or exits with 143 (128 + 15) as an unhandled SIGTERM would.
// `LAB_SIGNAL_DELIVERY=native|shim` forces one.
//
// Every lab process carries `TWELVE_FACTOR_LAB=<session>` in its environment (`markerEnv`), so a sweep can
// tell lab processes from anything else on the machine.
import { spawn as nodeSpawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withTimeout } from './util.mjs';

/** The environment variable that marks every lab process. */
export const MARKER = 'TWELVE_FACTOR_LAB';
const CHANNEL = 'TWELVE_FACTOR_LAB_SIGNALS';
const SHIM = fileURLToPath(new URL('./sigterm-shim.mjs', import.meta.url));
/** Exit codes of a process ended by a signal it did not handle, as a shell reports them. */
/** @type {Partial<Record<NodeJS.Signals, number>>} */
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** @typedef {'posix' | 'portable'} ProcessModel */
/** @typedef {'native' | 'shim'} SignalDelivery */

/**
 * Which model this runtime needs, or the one `LAB_PROCESS_MODEL` forces.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {ProcessModel}
 */
export function processModel(env = process.env) {
  const forced = env.LAB_PROCESS_MODEL;
  if (forced === 'posix' || forced === 'portable') return forced;
  if (forced) throw new Error(`LAB_PROCESS_MODEL is "${forced}"; use "posix" or "portable", or unset it to choose automatically.`);
  return process.versions.webcontainer || process.platform === 'win32' ? 'portable' : 'posix';
}

/**
 * The program that runs Node for a lab process. Under WebContainer, `node` by name: `process.execPath`
 * has no documented value there. Elsewhere this very Node (`process.execPath`): `node` on PATH may be
 * another version than the one the course runs on (on a machine with a system Node 20 and the course's
 * Node 24, the app would otherwise run on 20).
 */
export function nodeProgram() {
  return process.versions.webcontainer ? 'node' : process.execPath;
}

/** A session id: which checker run (or runner session) a process belongs to. */
export const newSession = () => {
  const own = `${process.pid}-${randomBytes(4).toString('hex')}`;
  // Under a lab runner the runner's marker stays the prefix, so the runner can find this run's processes
  // by it (also after the checker itself died).
  const inherited = process.env[MARKER];
  return inherited ? `${inherited}/${own}` : own;
};

/**
 * The marker for every process of one session.
 * @param {string} session
 */
export function markerEnv(session) {
  return { [MARKER]: session };
}

/**
 * @typedef {{ spawn: typeof nodeSpawn, kill: (pid: number, signal: NodeJS.Signals | number) => void }} System
 * The operating system, injectable so tests can be a runtime where negative pids throw.
 */
const realSystem = { spawn: nodeSpawn, kill: (/** @type {number} */ pid, /** @type {any} */ signal) => void process.kill(pid, signal) };

/**
 * The control channel of the SIGTERM shim: a loopback server every shimmed Node process connects to,
 * saying which spawn it belongs to and its pid.
 */
async function openChannel() {
  const token = randomBytes(8).toString('hex');
  /** @type {Map<string, Map<number, import('node:net').Socket>>} */
  const bySpawn = new Map();
  /** Spawns killed already: a Node process of theirs that says hello only now (started just before the kill) goes too. */
  const killedSpawns = new Set();
  /** @type {(pid: number) => void} */
  let killLate = () => {};
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const [word, given, spawnId, pid] = buffer.slice(0, newline).split(' ');
      buffer = '';
      if (word !== 'hello' || given !== token || !spawnId) return void socket.destroy();
      if (killedSpawns.has(spawnId)) {
        killLate(Number(pid));
        return void socket.destroy();
      }
      const members = bySpawn.get(spawnId) ?? new Map();
      bySpawn.set(spawnId, members);
      members.set(Number(pid), socket);
      socket.on('close', () => members.delete(Number(pid)));
    });
    socket.on('error', () => socket.destroy());
  });
  server.unref();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    /** @param {string} spawnId */
    env: (spawnId) => `127.0.0.1:${port} ${token} ${spawnId}`,
    /** Shimmed processes of a spawn that are connected right now. @param {string} spawnId */
    members: (spawnId) => [...(bySpawn.get(spawnId)?.keys() ?? [])],
    /** Marks a spawn killed: its members from now on are killed as they introduce themselves. @param {string} spawnId @param {(pid: number) => void} kill */
    killed(spawnId, kill) {
      killedSpawns.add(spawnId);
      killLate = kill;
    },
    /** Tells every shimmed process of a spawn to act on `signal`; how many were told. */
    deliver(/** @type {string} */ spawnId, /** @type {string} */ signal) {
      const members = bySpawn.get(spawnId);
      for (const socket of members?.values() ?? []) socket.write(`${signal}\n`);
      return members?.size ?? 0;
    },
    close: () => new Promise((resolve) => {
      for (const members of bySpawn.values()) for (const socket of members.values()) socket.destroy();
      server.close(() => resolve(undefined));
    }),
  };
}

/**
 * Adds the shim to NODE_OPTIONS so every Node process of the spawn (directly, through a shell, or
 * started by the app) loads it.
 * @param {Record<string, string>} env
 * @param {string} channel
 */
function withShim(env, channel) {
  const flag = `--import=${pathToFileURL(SHIM).href}`;
  return { ...env, [CHANNEL]: channel, NODE_OPTIONS: env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${flag}` : flag };
}

/**
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} Exit
 * @typedef {{
 *   child: import('node:child_process').ChildProcess,
 *   pid: number | undefined,
 *   model: ProcessModel,
 *   delivery: SignalDelivery,
 *   exited: Promise<Exit>,
 *   readonly exit: Exit | undefined,
 * }} LabProcess
 */

/**
 * A supervisor owns the processes of one session: it spawns them in its model, signals and kills them,
 * and records their pids. Create one per checker run (or runner session); `spawnProcess` & co. use a
 * default one.
 * @param {{ model?: ProcessModel, delivery?: SignalDelivery, session?: string, pidFile?: string, system?: System }} [options]
 */
export function createSupervisor(options = {}) {
  const model = options.model ?? processModel();
  const session = options.session ?? newSession();
  const system = options.system ?? realSystem;
  const pidFile = options.pidFile;
  /** @type {SignalDelivery} */
  let delivery = options.delivery ?? forcedDelivery() ?? 'native';
  /** @type {Awaited<ReturnType<typeof openChannel>> | undefined} */
  let channel;
  /** @type {Set<LabProcess & { spawnId: string }>} */
  const live = new Set();
  /**
   * Everything spawned, ended or not: closing the supervisor kills what each one left behind (a server an
   * app started and outlived) and closes their pipes, which such a process could keep open forever.
   * @type {Set<LabProcess & { spawnId: string }>}
   */
  const spawnedAll = new Set();
  let spawned = 0;

  const shimmed = () => delivery === 'shim';

  const supervisor = {
    model,
    session,
    get delivery() {
      return delivery;
    },
    /** Opens the shim's control channel (portable, or a forced shim delivery). Call once before spawning. */
    async ready() {
      if ((shimmed() || model === 'portable') && !channel) channel = await openChannel();
      return supervisor;
    },
    /** Chooses the SIGTERM delivery from a probe (portable) unless one is forced. */
    async probe() {
      if (!options.delivery && !forcedDelivery() && model === 'portable') delivery = (await probeSignalDelivery(system)) ? 'native' : 'shim';
      return supervisor.ready();
    },
    /**
     * Spawns `program args` in the supervisor's model, marked as a lab process. Output is piped.
     * @param {string} program
     * @param {string[]} args
     * @param {{ cwd?: string, env?: Record<string, string>, stdio?: import('node:child_process').StdioOptions }} [spawnOptions]
     * @returns {LabProcess & { spawnId: string }}
     */
    spawn(program, args, { cwd, env = {}, stdio = ['ignore', 'pipe', 'pipe'] } = {}) {
      if (shimmed() && !channel) throw new Error('The SIGTERM shim needs its control channel: await supervisor.ready() before spawning.');
      const spawnId = `${session}.${++spawned}`;
      /** @type {Record<string, string>} */
      let fullEnv = { ...env, ...markerEnv(session) };
      if (channel) fullEnv = withShim(fullEnv, channel.env(spawnId));
      const child = system.spawn(program, args, { cwd, env: fullEnv, stdio, detached: model === 'posix', windowsHide: true });
      /** @type {Exit | undefined} */
      let exit;
      const exited = new Promise((resolve) => {
        child.once('error', () => resolve((exit ??= { code: null, signal: null })));
        child.once('exit', (code, signal) => {
          // The shim ends an app without a SIGTERM handler with 143, as a shell reports death by signal;
          // report it as the signal, as the native delivery would.
          const bySignal = code !== null && code > 128 && handle.sentSignal && SIGNAL_NUMBERS[handle.sentSignal] === code - 128 && shimmed();
          resolve((exit = bySignal ? { code: null, signal: handle.sentSignal ?? 'SIGTERM' } : { code, signal }));
        });
      });
      /** @type {LabProcess & { spawnId: string, sentSignal?: NodeJS.Signals }} */
      const handle = {
        child,
        pid: child.pid,
        model,
        delivery,
        spawnId,
        exited,
        get exit() {
          return exit;
        },
      };
      live.add(handle);
      spawnedAll.add(handle);
      exited.then(() => live.delete(handle));
      if (pidFile && child.pid !== undefined) recordPid(pidFile, child.pid, session);
      return handle;
    },
    /**
     * Sends `signal` to a process (posix: its whole group). SIGTERM, SIGINT and SIGHUP go through the shim
     * when that is the delivery. Returns how it was delivered, or undefined when nothing was there.
     * @param {LabProcess & { spawnId?: string, sentSignal?: NodeJS.Signals }} handle
     * @param {NodeJS.Signals} signal
     * @returns {'group' | 'process' | 'shim' | undefined}
     */
    signal(handle, signal) {
      if (handle.pid === undefined || handle.exit) return undefined;
      handle.sentSignal = signal;
      if (shimmed() && channel && handle.spawnId && signal !== 'SIGKILL') {
        if (channel.deliver(handle.spawnId, signal) > 0) return 'shim';
        // Just spawned: its shim has not said hello yet. Deliver as soon as it does; fall back to the
        // process itself if it never does (not a Node process, or one that ignores NODE_OPTIONS).
        const spawnId = handle.spawnId;
        const deadline = Date.now() + 2000;
        const retry = () => {
          if (handle.exit || channel?.deliver(spawnId, signal)) return;
          if (Date.now() < deadline) setTimeout(retry, 20).unref();
          else handle.child.kill(signal);
        };
        setTimeout(retry, 20).unref();
        return 'shim';
      }
      if (model === 'posix') {
        try {
          system.kill(-handle.pid, signal);
          return 'group';
        } catch (error) {
          if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') throw error;
        }
      }
      return handle.child.kill(signal) ? 'process' : undefined;
    },
    /**
     * Kills a process for good: posix, its whole group, even when its leader is gone; portable, the
     * process and every shimmed Node process below it.
     * @param {LabProcess & { spawnId?: string }} handle
     */
    kill(handle) {
      if (handle.pid === undefined) return;
      if (model === 'posix') {
        try {
          system.kill(-handle.pid, 'SIGKILL');
        } catch {}
      }
      if (!handle.exit) handle.child.kill('SIGKILL');
      const killPid = (/** @type {number} */ pid) => {
        try {
          system.kill(pid, 'SIGKILL');
        } catch {}
      };
      if (channel && handle.spawnId) {
        channel.killed(handle.spawnId, killPid);
        for (const pid of channel.members(handle.spawnId)) if (pid !== handle.pid) killPid(pid);
      }
    },
    /**
     * The pids of a spawn's Node processes that introduced themselves through the shim (the spawned
     * process, and what it started). Empty without the shim.
     * @param {LabProcess & { spawnId?: string }} handle
     */
    members(handle) {
      return channel && handle.spawnId ? channel.members(handle.spawnId) : [];
    },
    /** Kills everything this supervisor started and still runs, and what those it started left behind. */
    killAll() {
      for (const handle of spawnedAll) supervisor.kill(handle);
    },
    /** Kills everything, closes the channel and clears the pid file. */
    async close() {
      supervisor.killAll();
      await Promise.all([...live].map((h) => withTimeout(h.exited, 1000, () => undefined).catch(() => {})));
      await channel?.close();
      channel = undefined;
      for (const { child } of spawnedAll) for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      spawnedAll.clear();
      if (pidFile) clearPids(pidFile, session);
    },
  };
  return supervisor;
}

/** @returns {SignalDelivery | undefined} */
function forcedDelivery(env = process.env) {
  const forced = env.LAB_SIGNAL_DELIVERY;
  if (forced === 'native' || forced === 'shim') return forced;
  if (forced) throw new Error(`LAB_SIGNAL_DELIVERY is "${forced}"; use "native" or "shim", or unset it to let the kit probe.`);
  return undefined;
}

const PROBE = `process.on('SIGTERM', () => { console.log('handled'); process.exit(0); }); console.log('ready'); setTimeout(() => process.exit(3), 3000);`;

/**
 * Whether a SIGTERM sent to a child reaches its `process.on('SIGTERM')` handler in this runtime.
 * Costs one short-lived Node process (~50 ms on an idle machine).
 * @param {System} [system]
 */
export function probeSignalDelivery(system = realSystem) {
  return new Promise((resolve) => {
    const child = system.spawn(nodeProgram(), ['-e', PROBE], { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    const done = (/** @type {boolean} */ native) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(native);
    };
    const timer = setTimeout(() => done(false), 2500);
    child.stdout?.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      if (/handled/.test(out)) done(true);
      else if (/ready/.test(out) && !child.killed) child.kill('SIGTERM');
    });
    child.once('exit', () => setTimeout(() => done(/handled/.test(out)), 20));
    child.once('error', () => done(false));
  });
}

// --- pid records -------------------------------------------------------------------------------

/** @param {string} file @param {number} pid @param {string} session */
function recordPid(file, pid, session) {
  try {
    appendFileSync(file, `${JSON.stringify({ pid, session, at: Date.now() })}\n`);
  } catch {}
}

/** @param {string} file @param {string} session */
function clearPids(file, session) {
  try {
    const keep = readRecords(file).filter((r) => r.session !== session);
    writeFileSync(file, keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
  } catch {}
}

/** @param {string} file @returns {{ pid: number, session: string, at: number }[]} */
function readRecords(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      const record = JSON.parse(line);
      return Number.isInteger(record?.pid) ? [record] : [];
    } catch {
      return [];
    }
  });
}

/** How old a record may be before its pid is presumed reused, where /proc cannot tell. */
const TRUST_RECORD_MS = 15 * 60_000;

/**
 * Kills processes a previous run recorded in `file` and left behind (its checker crashed or was killed).
 * A pid is only killed when it still carries that run's marker (read from /proc where it exists), or,
 * without /proc, when the record is recent enough that the pid cannot have been reused yet.
 * @param {string} file
 * @param {{ system?: System, model?: ProcessModel }} [options]
 * @returns {number[]} the pids killed
 */
export function killLeftovers(file, { system = realSystem, model = processModel() } = {}) {
  const killed = [];
  for (const { pid, session, at } of readRecords(file)) {
    const marker = readMarker(pid);
    const ours = marker === undefined ? Date.now() - at < TRUST_RECORD_MS : marker === session;
    if (!ours) continue;
    for (const target of model === 'posix' ? [-pid, pid] : [pid]) {
      try {
        system.kill(target, 'SIGKILL');
        if (target === pid || model === 'posix') killed.push(pid);
        break;
      } catch {}
    }
  }
  try {
    writeFileSync(file, '');
  } catch {}
  return [...new Set(killed)];
}

/** The marker in a process's environment; undefined when /proc cannot say; null when it has none or is gone. */
function readMarker(/** @type {number} */ pid) {
  if (!existsSync('/proc/self/environ')) return undefined;
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((e) => e.startsWith(`${MARKER}=`));
    return entry ? entry.slice(MARKER.length + 1) : null;
  } catch {
    return null;
  }
}

// --- the default supervisor, for callers that need just one -----------------------------------

/** @type {ReturnType<typeof createSupervisor> | undefined} */
let defaultSupervisor;
const supervisorFor = () => (defaultSupervisor ??= createSupervisor());

/**
 * Spawns a lab process with the default supervisor (posix or portable, native signals). Use
 * `createSupervisor` for the shim, pid records or a session of your own.
 * @param {string} program @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string>, stdio?: import('node:child_process').StdioOptions }} [options]
 */
export const spawnProcess = (program, args, options) => supervisorFor().spawn(program, args, options);
/** @param {LabProcess} handle @param {NodeJS.Signals} signal */
export const signalProcess = (handle, signal) => supervisorFor().signal(handle, signal);
/** @param {LabProcess} handle */
export const killProcess = (handle) => supervisorFor().kill(handle);
