// The learner's Run: uses the Redis at REDIS_URL, else the lab session's Redis the runtime offers in
// LAB_SESSION_REDIS_URL (the one the terminal and the Run menu's tasks use), else starts an embedded one;
// then starts the app with the lab's default environment, forwarding its output and the signals the
// runtime sends (Stop, Ctrl-C).
// `--instances N` starts N copies on consecutive ports (PORT, PORT+1, …) sharing that one Redis.
// `--formation web=1,worker=2` starts the Procfile's process types instead, as a process manager would:
// each process is named in DYNO (web.1, worker.2, …), web processes get consecutive ports, and every line
// of output says which process printed it.
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { parseCommand } from './app.mjs';
import { parseProcfile } from './context.mjs';
import { startRedisServer } from './redis-server.mjs';
import { canConnect, eachLine, freePort, sleep } from './util.mjs';

/** How long Run waits for an instance to accept connections before saying it does not. */
export const READY_DEADLINE_MS = 10_000;

export async function launch(manifestUrl, { argv = process.argv.slice(2) } = {}) {
  const manifest = JSON.parse(await readFile(manifestUrl, 'utf8'));
  const env = { ...manifest.env, ...process.env };
  // The lab session's Redis is the runtime's offer to Run, not part of the app's environment.
  const sessionRedis = env.LAB_SESSION_REDIS_URL;
  delete env.LAB_SESSION_REDIS_URL;
  let embedded;
  if (process.env.REDIS_URL) {
    console.log(`[lab] Using the Redis at REDIS_URL (${redact(process.env.REDIS_URL)}).`);
  } else if (sessionRedis && (await canReach(sessionRedis))) {
    env.REDIS_URL = sessionRedis;
    console.log(`[lab] Using this lab session's Redis at ${redact(sessionRedis)} (shared with the terminal and the Run menu's tasks; the count stays when Run stops).`);
  } else {
    embedded = await startRedisServer();
    env.REDIS_URL = embedded.url;
    if (sessionRedis) console.log(`[lab] This lab session's Redis at ${redact(sessionRedis)} does not answer, so Run starts an embedded Redis of its own: the terminal and the Run menu's tasks do not see its data.`);
    console.log(`[lab] Using the embedded Redis at ${embedded.url} (data lasts until Run stops).`);
  }

  const flag = argv.indexOf('--instances');
  const formationFlag = argv.indexOf('--formation');
  const count = flag >= 0 ? Math.max(1, Math.min(4, Number(argv[flag + 1]) || 1)) : 1;
  /** What to start: one entry per process; `web` ones get a port and are announced. */
  let plan;
  if (formationFlag >= 0) {
    const formation = await readFormation(argv[formationFlag + 1]);
    if (typeof formation === 'string') {
      console.log(`[lab] ${formation}`);
      await embedded?.close();
      process.exit(1);
    }
    plan = formation;
    if (plan.length === 0) console.log('[lab] The formation has no processes (every count is 0), so nothing runs.');
  } else {
    plan = Array.from({ length: count }, (_, i) => ({ name: count > 1 ? `instance ${String.fromCharCode(65 + i)}` : 'the app', tag: count > 1 ? String.fromCharCode(65 + i) : undefined, command: manifest.commands.start, web: true }));
  }
  const prefixed = plan.length > 1 || formationFlag >= 0;
  // PORT set by the learner wins; else the runner's per-session default (so two tabs do not share one), else the manifest's.
  const basePort = Number(process.env.PORT ?? process.env.LAB_DEFAULT_PORT ?? manifest.env?.PORT ?? 3000);
  const webs = plan.filter((p) => p.web);
  const ports = webs.map((_, i) => basePort + i);
  // Checked before the apps start: afterwards a connection could come from the other program.
  // The manifest's port is only a default: when another lab or program holds it, move to a free one.
  // A PORT the learner set themselves is respected, and a clash is reported instead.
  const chosenByLearner = process.env.PORT !== undefined;
  const taken = new Set();
  for (const [i, port] of ports.entries()) {
    if (!(await canConnect(port))) continue;
    if (chosenByLearner) {
      taken.add(port);
      console.log(`[lab] Another program already listens on port ${port}, so the app cannot. Stop that program, or set PORT to a free port.`);
    } else {
      ports[i] = await freePort();
      console.log(`[lab] Port ${port} is taken (another lab or program is using it), so this run uses port ${ports[i]}.`);
    }
  }

  const watchRedis = watchForOtherRedis(env.REDIS_URL);
  webs.forEach((p, i) => (p.port = ports[i]));
  let stopping = false;
  const instances = plan.map(({ name, tag, command, port, web }) => {
    if (formationFlag >= 0) console.log(`[lab] ${name}: ${command}${web ? ` on port ${port}` : ''}`);
    else if (tag) console.log(`[lab] Instance ${tag} on port ${port}`);
    const own = { ...env, ...(formationFlag >= 0 ? { DYNO: name } : {}) };
    // Only web processes listen; the others get no PORT (as a process manager would give them none to use).
    if (web) own.PORT = String(port);
    else delete own.PORT;
    const { program, args } = parseCommand(command);
    const child = spawn(program, args, { env: own, stdio: [prefixed ? 'ignore' : 'inherit', 'pipe', 'pipe'] });
    // Output is piped rather than inherited so Run can notice a Redis the app was not given.
    for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      if (prefixed) {
        eachLine(stream, (line) => {
          out.write(`[${tag ?? name}] ${line}\n`);
          watchRedis(line);
        });
      } else {
        stream.on('data', (chunk) => out.write(chunk)); // first, so a hint follows the line it is about
        eachLine(stream, watchRedis);
      }
    }
    const exited = new Promise((resolve) => {
      child.on('error', (error) => {
        console.error(`[lab] Could not start "${command}": ${error.message}`);
        resolve({ code: 1, failedToStart: true });
      });
      child.on('exit', (code, signal) => {
        // In a formation one process may end while the others run on: say so, since nothing else would.
        if (formationFlag >= 0 && !stopping) console.log(`[lab] ${name} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; the other processes keep running.`);
        resolve({ code, signal });
      });
    });
    return { name, port, web, child, exited };
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // Pass the signal on and let the app decide how to stop; the launcher exits when the apps do.
    process.on(signal, () => {
      stopping = true;
      instances.forEach(({ child }) => child.kill(signal));
    });
  }
  const announced = announceWhenReady(instances.filter((instance) => instance.web && !taken.has(instance.port)), { stopping: () => stopping });
  const exits = await Promise.all(instances.map((instance) => instance.exited));
  await announced;
  const codes = exits.map(({ code, signal }) => code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
  await embedded?.close();
  process.exit(codes.find((c) => c !== 0) ?? 0);
}

/**
 * The processes a `--formation web=1,worker=2` asks for, from the Procfile in the current folder, or a
 * message saying what is wrong. Each type may run 0 to 4 processes.
 * @param {string | undefined} spec
 * @returns {Promise<Array<{ name: string, command: string, web: boolean, tag?: string, port?: number }> | string>}
 */
export async function readFormation(spec, procfilePath = 'Procfile') {
  const pairs = (spec ?? '').split(',').map((part) => part.trim().match(/^([A-Za-z0-9_-]+)=(\d+)$/));
  if (!spec || pairs.some((pair) => !pair)) return `--formation expects process types with counts, such as web=1,worker=2, not "${spec ?? ''}".`;
  let text;
  try {
    text = await readFile(procfilePath, 'utf8');
  } catch {
    return 'There is no Procfile, so there are no process types to start. Add a file named Procfile with one line per type, e.g. "web: node app.js".';
  }
  const types = parseProcfile(text);
  const plan = [];
  for (const [, type, count] of /** @type {RegExpMatchArray[]} */ (pairs)) {
    const command = types.get(type);
    if (command === undefined) return `The Procfile has no "${type}" process type${types.size ? `; it declares ${[...types.keys()].join(', ')}` : ''}. Add a line such as "${type}: node ${type}.js".`;
    for (let i = 1; i <= Math.min(4, Number(count)); i++) plan.push({ name: `${type}.${i}`, command, web: type === 'web' });
  }
  return plan;
}

/**
 * Prints one line per instance once it accepts connections on its port — the workspace turns the URL
 * into a link — or one line saying what went wrong. It never stops an app: a slow or broken one stays
 * up for the learner to look at.
 * @param {Array<{ name: string, port: number, exited: Promise<{ code: number | null, signal?: string | null, failedToStart?: boolean }> }>} instances
 */
export async function announceWhenReady(instances, { deadlineMs = READY_DEADLINE_MS, log = console.log, stopping = () => false } = {}) {
  await Promise.all(instances.map(async ({ name, port, exited }) => {
    let exit;
    exited.then((value) => (exit = value));
    const deadline = performance.now() + deadlineMs;
    while (!exit && performance.now() < deadline) {
      if (await canConnect(port)) return log(`[lab] The visitor counter answers at http://localhost:${port}/`);
      await Promise.race([sleep(50), exited]);
    }
    if (stopping() || exit?.failedToStart) return; // the learner pressed Stop, or the error is already printed
    const who = name.charAt(0).toUpperCase() + name.slice(1);
    if (exit) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      return log(`[lab] ${who} ${how} before listening on port ${port}. Read the error above, fix it, and press Run again.`);
    }
    log(`[lab] Nothing answers on port ${port} after ${deadlineMs / 1000} s, though ${name} is still running. Does it listen on process.env.PORT, and does its startup wait for something that never comes?`);
  }));
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0', '::']);
const sameHost = (a, b) => a === b || (LOOPBACK.has(a) && LOOPBACK.has(b));

/**
 * Returns a function to call with each line the app prints. The first time a line shows the app failing
 * to reach a Redis other than the one at `redisUrl`, it logs one `[lab]` line saying so: the usual sign of
 * an address written into the code, or a fallback, instead of process.env.REDIS_URL. Quiet afterwards.
 */
export function watchForOtherRedis(redisUrl, log = console.log) {
  let given;
  try {
    const url = new URL(redisUrl);
    given = { host: url.hostname.toLowerCase(), port: url.port || '6379' };
  } catch {
    return () => {};
  }
  let told = false;
  return (line) => {
    if (told || !/redis|6379/i.test(line)) return;
    const refused = line.match(/\b(?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ECONNRESET)\s+(\[[\da-f:.]+\]|[\w.-]+):(\d+)/i);
    const unknown = line.match(/\bENOTFOUND\s+([\w.-]+)/);
    const tried = refused ? { host: refused[1].toLowerCase(), port: refused[2] } : unknown ? { host: unknown[1].toLowerCase() } : undefined;
    if (!tried || (sameHost(tried.host, given.host) && (tried.port ?? given.port) === given.port)) return;
    told = true;
    const where = tried.port ? `${tried.host}:${tried.port}` : tried.host;
    log(`[lab] The app is trying Redis at ${where}, but Run gave it REDIS_URL=${redact(redisUrl)} — does it read process.env.REDIS_URL?`);
  };
}

/**
 * Whether something accepts connections at a `redis://` URL's host and port within `ms`. A connection is
 * enough: the runtime started that server for this session, and a wrong password shows in the app's own errors.
 */
export function canReach(redisUrl, ms = 1_000) {
  let host;
  let port;
  try {
    const url = new URL(redisUrl);
    host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    port = Number(url.port || 6379);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'not a valid URL';
  }
}
