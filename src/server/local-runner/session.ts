/**
 * One lab session: a temporary workspace folder, the processes running in it, the event stream a page
 * listens to, and at most one checker run. Disposing it kills everything and deletes the folder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { RunnerLimits } from '../config.ts';
import { runCheck } from './check-run.ts';
import { layCheckerCopy, relayWorkspaceLab, removeTree, type CheckerFiles } from './checker-copy.ts';
import { EventHub } from './event-hub.ts';
import { assertWithinQuota } from './quota.ts';
import { HttpError } from './http.ts';
import { checkLearnerPath, writeLearnerFile } from './paths.ts';
import type { SessionProcesses } from './lab-processes.ts';
import { ProcessSet } from './processes.ts';
import { LONG_RUNNING_KINDS, type TaskKind } from '../../lab-model/task-kinds.ts';
import { SessionRedis } from './session-redis.ts';

export interface SessionInit {
  id: string;
  lab: string;
  dir: string;
  env: Record<string, string>;
  checkCommand: string;
  limits: RunnerLimits;
  /** The lab manifest's `env` (PORT, GREETING, …), given to the shell, one-off tasks and typed commands. */
  labEnv?: Record<string, string>;
  /** Workspace-relative path of the kit's embedded Redis server; without it, no embedded Redis. */
  redisServer?: string;
  /** This session's default app port (see ports.ts): Run and tasks get it as LAB_DEFAULT_PORT, the shell as PORT. */
  defaultPort?: number;
  /** Starts and stops this session's marked processes. */
  processes: SessionProcesses;
  /**
   * The lab's hidden files: with them every Check runs from a fresh copy outside the workspace (path
   * prefix `checkerPrefix`) after the workspace's `.lab/` is laid fresh; without them (a lab source
   * that gives none), `checkCommand` runs in the workspace as it is.
   */
  checker?: CheckerFiles;
  checkerPrefix?: string;
}

export class Session {
  readonly id: string;
  readonly lab: string;
  readonly dir: string;
  readonly #init: SessionInit;
  readonly #events: EventHub;
  readonly #processes: ProcessSet;
  readonly #redis: SessionRedis | undefined;
  #check: AbortController | undefined;
  #checkRuns = 0;
  #writes: Promise<unknown> = Promise.resolve();
  #lastActivity = Date.now();
  #disposed: Promise<void> | undefined;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.lab = init.lab;
    this.dir = init.dir;
    this.#init = init;
    this.#events = new EventHub({ maxBacklogBytes: init.limits.maxStreamBacklogBytes });
    this.#processes = new ProcessSet({ cwd: init.dir, env: init.env, limits: init.limits, publish: (e) => this.#events.publish(e), processes: init.processes });
    this.#redis =
      init.redisServer && !init.env['REDIS_URL']
        ? new SessionRedis({ cwd: init.dir, script: init.redisServer, env: init.env, processes: init.processes })
        : undefined;
  }

  /** Event streams cut because their page stopped reading (for tests and diagnostics). */
  get streamsDropped(): number {
    return this.#events.dropped;
  }

  /** The embedded Redis's process id while it runs (for tests and diagnostics). */
  get redisPid(): number | undefined {
    return this.#redis?.pid;
  }

  /** Milliseconds since a request last touched the session, 0 while a page listens or a check runs. */
  idleFor(now = Date.now()): number {
    return this.#events.connected > 0 || this.#check ? 0 : now - this.#lastActivity;
  }

  /** True when no page listens and no check runs: the session may make room for a new one. */
  get evictable(): boolean {
    return this.#events.connected === 0 && !this.#check;
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  touch(): void {
    this.#lastActivity = Date.now();
  }

  /** Process ids of everything this session runs (for tests and diagnostics). */
  pids(): number[] {
    return this.#processes.pids();
  }

  /**
   * Saves a learner file. Saves of one session run one after another, so the quota check and the write
   * that follows it cannot interleave with another save's.
   */
  writeFile(path: string, content: string): Promise<void> {
    const write = this.#writes.then(async () => {
      checkLearnerPath(path);
      await assertWithinQuota(this.dir, join(this.dir, path), Buffer.byteLength(content), this.#init.limits);
      await writeLearnerFile(this.dir, path, content);
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /**
   * Starts a command or a shell. One Redis serves the whole session: the server's REDIS_URL when it has
   * one, else the session's embedded Redis, started on first need. The shell, one-off and build tasks and
   * typed commands get the lab's environment with that Redis as REDIS_URL. Long-running kinds (Run, `app`
   * and `formation` tasks) keep the environment they set up themselves (a free port when the default is
   * taken, or no REDIS_URL on purpose, like "Run without REDIS_URL") and are offered the session's Redis
   * as LAB_SESSION_REDIS_URL: the launcher gives it to the app as REDIS_URL, so what Run's app counts is
   * what a one-off task or the shell sees; an app started directly ignores it.
   */
  async start(request: { command?: string | undefined; shell?: boolean | undefined; kind?: TaskKind | undefined }): Promise<string> {
    const { labEnv, env } = this.#init;
    // A lab source that describes no environment (a test's) gets the server's environment only.
    const port = this.#init.defaultPort;
    if (labEnv === undefined) return this.#processes.start(request);
    const longRunning = !request.shell && request.kind !== undefined && LONG_RUNNING_KINDS.has(request.kind);
    // Run can do without the session's Redis (the launcher then starts one of its own); a one-off task cannot.
    const redisUrl = env['REDIS_URL'] ?? (await (longRunning ? this.#redis?.url().catch(() => undefined) : this.#redis?.url()));
    // The session may have closed while its Redis started; nothing may start in a deleted workspace.
    if (this.#disposed) throw new HttpError(404, 'This lab session was closed while the command was starting.');
    if (longRunning) {
      const own: Record<string, string> = { ...env, ...(port !== undefined ? { LAB_DEFAULT_PORT: String(port) } : {}), ...(redisUrl ? { LAB_SESSION_REDIS_URL: redisUrl } : {}) };
      return this.#processes.start(request, { env: own });
    }
    const shellEnv: Record<string, string> = {
      ...labEnv,
      ...(port !== undefined && labEnv['PORT'] !== undefined ? { PORT: String(port) } : {}),
      ...env,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    };
    const where = env['REDIS_URL'] ? 'the course server’s Redis' : 'an embedded Redis';
    const banner = request.shell
      ? redisUrl
        ? `Shell ready. REDIS_URL=${redisUrl} (${where}, shared by every command in this lab session)\r\n`
        : 'Shell ready. No REDIS_URL: this lab session has no Redis.\r\n'
      : undefined;
    return this.#processes.start(request, { env: shellEnv, ...(banner ? { banner } : {}) });
  }

  write(process: string, data: string): void {
    this.#processes.write(process, data);
  }

  interrupt(process: string): void {
    this.#processes.interrupt(process);
  }

  kill(process: string): Promise<void> {
    return this.#processes.kill(process);
  }

  listen(req: IncomingMessage, res: ServerResponse): void {
    this.#events.attach(req, res, () => this.touch());
  }

  async check(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#check) throw new HttpError(409, 'The checks are already running in this lab; wait for their verdict.');
    const controller = new AbortController();
    this.#check = controller;
    // The page navigated away or pressed Stop: the checker and its apps go too.
    const onGone = (): void => {
      if (!res.writableEnded) controller.abort('gone');
    };
    res.once('close', onGone);
    req.once('aborted', onGone);
    const { checker, checkerPrefix, checkCommand } = this.#init;
    let remove: (() => Promise<void>) | undefined;
    try {
      let argv: [string, ...string[]] = ['sh', '-c', checkCommand];
      if (checker && checkerPrefix) {
        await relayWorkspaceLab(this.dir, checker.hidden);
        const copy = await layCheckerCopy(checkerPrefix, checker, checkCommand);
        remove = copy.remove;
        argv = copy.argv;
      }
      await runCheck(res, {
        cwd: this.dir,
        env: this.#init.env,
        argv,
        timeoutMs: this.#init.limits.checkTimeoutMs,
        signal: controller.signal,
        processes: this.#init.processes,
        role: `check-${++this.#checkRuns}`,
      });
    } finally {
      // Free for the next Check first: the page may start one the moment this response ends.
      this.#check = undefined;
      this.touch();
      await remove?.();
    }
  }

  /** Stop: the learner's processes and a check in progress end, with whatever they started. */
  async stopAll(): Promise<void> {
    this.#check?.abort('stopped');
    await this.#processes.killAll();
    // Anything that outlived its parent and is still marked as this session's (the Redis stays).
    await this.#init.processes.stop((role) => role !== 'redis');
  }

  /** Stops everything, ends event streams and deletes the workspace. Safe to call more than once. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      await Promise.all([this.stopAll(), this.#redis?.stop()]);
      await this.#init.processes.stop(() => true);
      this.#events.closeAll();
      await removeTree(this.dir);
    })();
    return this.#disposed;
  }
}
