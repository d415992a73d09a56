/**
 * Configuration of `npm start`, read once from the environment.
 *
 * | Variable                  | Default     | Meaning                                                                                  |
 * |---------------------------|-------------|------------------------------------------------------------------------------------------|
 * | `HOST`                    | `127.0.0.1` | Interface to listen on. A non-loopback host disables the lab runner unless `RUNNER_ALLOW_REMOTE=1`. |
 * | `PORT`                    | `4321`      | TCP port (0–65535; 0 picks a free one).                                                  |
 * | `REDIS_URL`               | unset       | A real Redis (`redis://` or `rediss://`) passed to lab processes; unset, labs start their embedded Redis. |
 * | `LAB_RUNTIME`             | `auto`      | `auto`/`local`: pages served here use the local runner. `webcontainer`: no runner, pages use WebContainer. |
 * | `SHUTDOWN_GRACE_MS`       | `10000`     | On SIGTERM/SIGINT, how long in-flight requests may take before connections are cut.       |
 * | `RUNNER_ALLOW_REMOTE`     | `0`         | `1` lets the runner (which executes code) listen on a non-loopback `HOST`. Only on a trusted network. |
 * | `RUNNER_MAX_SESSIONS`     | `8`         | Lab sessions (one per open lab tab) the runner keeps at once.                             |
 * | `RUNNER_IDLE_TIMEOUT_MS`  | `120000`    | A session with no page connected and no request for this long is stopped and deleted.    |
 * | `RUNNER_RUN_TIMEOUT_MS`   | `600000`    | Longest an app or command may run (an interactive shell may stay an hour).               |
 * | `RUNNER_CHECK_TIMEOUT_MS` | `60000`     | Longest one run of the lab's checker may take.                                            |
 * | `RUNNER_CGROUPS`          | `auto`      | `auto`: put lab processes in cgroups where this user may create them (Linux). `off`: marks and process groups only. |
 * | `BUILD_ON_START`          | `auto`      | `auto`: build when `dist/` is missing or older than its sources. `always` / `never`.      |
 * | `DIST_DIR`                | `dist`      | The built site to serve (relative to the project root or absolute).                      |
 * | `SITE_URL`                | `http://127.0.0.1:4321` | Canonical URL of the deployed site, used by the build. Its host is also accepted in `Host` headers. |
 */
import { isAbsolute, resolve } from 'node:path';

export type LabRuntimeChoice = 'auto' | 'local' | 'webcontainer';
export type BuildOnStart = 'auto' | 'always' | 'never';

export interface RunnerLimits {
  maxSessions: number;
  /** Processes (apps, commands, shells) running at once in one session. */
  maxProcesses: number;
  idleTimeoutMs: number;
  runTimeoutMs: number;
  /** An interactive shell is where a learner works between runs, so it may stay longer than one run. */
  shellTimeoutMs: number;
  checkTimeoutMs: number;
  /** JSON request bodies (a new session carries every learner file). */
  maxBodyBytes: number;
  /** One learner file. */
  maxFileBytes: number;
  /** Output one process may produce before it is stopped: a runaway loop must not fill memory. */
  maxOutputBytes: number;
  /** Learner files in one workspace (the lab's `.lab/` and `node_modules` do not count); saves past it are refused. */
  maxWorkspaceFiles: number;
  /** Total size of those files. */
  maxWorkspaceBytes: number;
  /** Bytes of events queued for one page that is not reading them; past it, its stream is closed (it reconnects). At least twice the 1 MB replay buffer. */
  maxStreamBacklogBytes: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  redisUrl: string | undefined;
  labRuntime: LabRuntimeChoice;
  shutdownGraceMs: number;
  allowRemote: boolean;
  buildOnStart: BuildOnStart;
  rootDir: string;
  distDir: string;
  siteUrl: URL | undefined;
  limits: RunnerLimits;
  /** Whether lab processes go into cgroups where the machine allows (see local-runner/cgroups.ts). */
  cgroups: 'auto' | 'off';
}

export const ROOT_DIR = resolve(import.meta.dirname, '../..');

export const DEFAULT_LIMITS: RunnerLimits = {
  maxSessions: 8,
  maxProcesses: 8,
  idleTimeoutMs: 120_000,
  runTimeoutMs: 600_000,
  shellTimeoutMs: 3_600_000,
  checkTimeoutMs: 60_000,
  maxBodyBytes: 2 * 1024 * 1024,
  maxFileBytes: 512 * 1024,
  maxOutputBytes: 8 * 1024 * 1024,
  maxWorkspaceFiles: 500,
  maxWorkspaceBytes: 10 * 1024 * 1024,
  maxStreamBacklogBytes: 2 * 1024 * 1024,
};

/** Thrown for an unusable environment; `main` prints the message and exits 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(`${name}="${raw}" is not valid; use one of ${allowed.join(', ')} (or leave it unset for ${fallback}).`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}="${raw}" is not valid; use a whole number from ${min} to ${max} (or leave it unset for ${fallback}).`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name}="${raw}" is not valid; use 1 to enable or 0 to disable.`);
}

function url(env: Env, name: string, protocols: readonly string[]): URL | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name}="${raw}" is not a URL; write it in full, e.g. ${protocols[0]}//localhost.`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name}="${raw}" must start with ${protocols.map((p) => `${p}//`).join(' or ')}.`);
  }
  return parsed;
}

function host(env: Env): string {
  const raw = env['HOST'];
  if (raw === undefined || raw === '') return '127.0.0.1';
  // A host name, an IPv4 address or a bare IPv6 address; no scheme, port or path.
  if (!/^[A-Za-z0-9.-]+$|^[0-9A-Fa-f:.]+$/.test(raw)) {
    throw new ConfigError(`HOST="${raw}" is not a host name or IP address; use e.g. 127.0.0.1, localhost or 0.0.0.0 (no scheme or port).`);
  }
  return raw;
}

const LOOPBACK_NAMES = new Set(['localhost', '::1', '0:0:0:0:0:0:0:1']);

/** True for addresses that only this machine can reach. */
export function isLoopback(name: string): boolean {
  const bare = name.replace(/^\[|\]$/g, '').toLowerCase();
  return LOOPBACK_NAMES.has(bare) || /^127(\.\d{1,3}){3}$/.test(bare) || bare.endsWith('.localhost');
}

/** Reads and validates the whole configuration; throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env): ServerConfig {
  const distRaw = env['DIST_DIR'] || 'dist';
  const config: ServerConfig = {
    host: host(env),
    port: integer(env, 'PORT', 4321, 0, 65535),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:'])?.href,
    labRuntime: oneOf(env, 'LAB_RUNTIME', ['auto', 'local', 'webcontainer'] as const, 'auto'),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    allowRemote: flag(env, 'RUNNER_ALLOW_REMOTE'),
    buildOnStart: oneOf(env, 'BUILD_ON_START', ['auto', 'always', 'never'] as const, 'auto'),
    rootDir: ROOT_DIR,
    distDir: isAbsolute(distRaw) ? distRaw : resolve(ROOT_DIR, distRaw),
    siteUrl: url(env, 'SITE_URL', ['http:', 'https:']),
    cgroups: oneOf(env, 'RUNNER_CGROUPS', ['auto', 'off'] as const, 'auto'),
    limits: {
      ...DEFAULT_LIMITS,
      maxSessions: integer(env, 'RUNNER_MAX_SESSIONS', DEFAULT_LIMITS.maxSessions, 1, 256),
      idleTimeoutMs: integer(env, 'RUNNER_IDLE_TIMEOUT_MS', DEFAULT_LIMITS.idleTimeoutMs, 1_000, 86_400_000),
      runTimeoutMs: integer(env, 'RUNNER_RUN_TIMEOUT_MS', DEFAULT_LIMITS.runTimeoutMs, 100, 86_400_000),
      checkTimeoutMs: integer(env, 'RUNNER_CHECK_TIMEOUT_MS', DEFAULT_LIMITS.checkTimeoutMs, 100, 3_600_000),
    },
  };
  return config;
}

export type RunnerMode = { enabled: true } | { enabled: false; reason: string };

/**
 * Whether the runner may serve: it executes code on this machine, so only loopback unless the operator
 * opted in. An explicit `LAB_RUNTIME=local` that cannot be honoured is a configuration error.
 */
export function runnerMode(config: ServerConfig): RunnerMode {
  if (config.labRuntime === 'webcontainer') {
    return { enabled: false, reason: 'LAB_RUNTIME=webcontainer: pages run labs in WebContainer; the local runner is off.' };
  }
  if (!isLoopback(config.host) && !config.allowRemote) {
    const reason =
      `HOST=${config.host} is reachable from other machines and the lab runner executes code, so it is off; ` +
      'pages will use WebContainer. Set RUNNER_ALLOW_REMOTE=1 to run labs here anyway (trusted networks only).';
    if (config.labRuntime === 'local') throw new ConfigError(`LAB_RUNTIME=local cannot be honoured: ${reason}`);
    return { enabled: false, reason };
  }
  return { enabled: true };
}
