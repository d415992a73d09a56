// The learner's Run: starts the embedded Redis unless REDIS_URL points at one, then the app with the
// lab's default environment, forwarding its output and the signals the runtime sends (Stop, Ctrl-C).
// `--instances N` starts N copies on consecutive ports (PORT, PORT+1, …) sharing that one Redis.
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { parseCommand } from './app.mjs';
import { startRedisServer } from './redis-server.mjs';
import { canConnect, eachLine, freePort, sleep } from './util.mjs';

/** How long Run waits for an instance to accept connections before saying it does not. */
export const READY_DEADLINE_MS = 10_000;

export async function launch(manifestUrl, { argv = process.argv.slice(2) } = {}) {
  const manifest = JSON.parse(await readFile(manifestUrl, 'utf8'));
  const env = { ...manifest.env, ...process.env };
  let embedded;
  if (process.env.REDIS_URL) {
    console.log(`[lab] Using the Redis at REDIS_URL (${redact(process.env.REDIS_URL)}).`);
  } else {
    embedded = await startRedisServer();
    env.REDIS_URL = embedded.url;
    console.log(`[lab] Using the embedded Redis at ${embedded.url} (data lasts until Run stops).`);
  }

  const flag = argv.indexOf('--instances');
  const count = flag >= 0 ? Math.max(1, Math.min(4, Number(argv[flag + 1]) || 1)) : 1;
  const { program, args } = parseCommand(manifest.commands.start);
  // PORT set by the learner wins; else the runner's per-session default (so two tabs do not share one), else the manifest's.
  const basePort = Number(process.env.PORT ?? process.env.LAB_DEFAULT_PORT ?? manifest.env?.PORT ?? 3000);
  const ports = Array.from({ length: count }, (_, i) => basePort + i);
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
  const instances = ports.map((port, i) => {
    const name = String.fromCharCode(65 + i);
    if (count > 1) console.log(`[lab] Instance ${name} on port ${port}`);
    const child = spawn(program, args, { env: { ...env, PORT: String(port) }, stdio: [count > 1 ? 'ignore' : 'inherit', 'pipe', 'pipe'] });
    // Output is piped rather than inherited so Run can notice a Redis the app was not given.
    for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      if (count > 1) {
        eachLine(stream, (line) => {
          out.write(`[${name}] ${line}\n`);
          watchRedis(line);
        });
      } else {
        stream.on('data', (chunk) => out.write(chunk)); // first, so a hint follows the line it is about
        eachLine(stream, watchRedis);
      }
    }
    const exited = new Promise((resolve) => {
      child.on('error', (error) => {
        console.error(`[lab] Could not start "${manifest.commands.start}": ${error.message}`);
        resolve({ code: 1, failedToStart: true });
      });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    return { name: count > 1 ? `instance ${name}` : 'the app', port, child, exited };
  });

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // Pass the signal on and let the app decide how to stop; the launcher exits when the apps do.
    process.on(signal, () => {
      stopping = true;
      instances.forEach(({ child }) => child.kill(signal));
    });
  }
  const announced = announceWhenReady(instances.filter((instance) => !taken.has(instance.port)), { stopping: () => stopping });
  const exits = await Promise.all(instances.map((instance) => instance.exited));
  await announced;
  const codes = exits.map(({ code, signal }) => code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
  await embedded?.close();
  process.exit(codes.find((c) => c !== 0) ?? 0);
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

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'not a valid URL';
  }
}
