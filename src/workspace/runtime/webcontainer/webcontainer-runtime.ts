/**
 * The lab runtime for a static deployment: StackBlitz's WebContainer runs Node inside the browser tab.
 * Boots once per page and mounts the lab's files; the prebuilt `node_modules` snapshot (no `npm install`)
 * is fetched on the first Run, Check or shell, or when the learner starts typing (`warm`). Runs the same
 * checker as every other runtime.
 *
 * WebContainer's known quirks shape every step (see ./container.ts): a run ends at its process's `exit`
 * plus a short drain, never at the end of its output; a process told to stop gets a bound, after which
 * the learner is offered a restart of the whole runtime; "Open app" follows the app's announced port
 * only. Typed against `WebContainerLike`, so unit tests drive it with an in-memory fake.
 *
 * One Redis serves the lab (./session-redis.ts): the shell and one-off and build tasks get the manifest's
 * environment and it as REDIS_URL; Run and other long-running kinds set up their own environment and are
 * offered it as LAB_SESSION_REDIS_URL, as on the local runner.
 */
import { missingVerdict } from '../ndjson.ts';
import {
  type CheckEvent,
  type DoneEvent,
  type FileMap,
  type LabMount,
  type LabRuntime,
  type ProcessHandle,
  type RunOptions,
  type RuntimeStatus,
} from '../types.ts';
import { PortMap } from './app-port.ts';
import { LAB_ENV, manifestEnv, toSpawn } from './commands.ts';
import type { ProcessLike, WebContainerLike } from './container.ts';
import { follow, whenAborted } from './follow.ts';
import { ProcessTable } from './processes.ts';
import { bootFailed, notIsolated, runtimeError, startupClock } from './startup.ts';
import { REDIS_SCRIPT, SessionRedis } from './session-redis.ts';
import { toTree } from './tree.ts';
import { LONG_RUNNING_KINDS } from '../../../lab-model/task-kinds.ts';
import { readVerdict } from './verdict.ts';

export type { ProcessLike, WebContainerLike } from './container.ts';

/** What the site publishes for a lab: the files the learner never sees, and how to get the snapshot. */
export interface LabAssets {
  hidden: FileMap;
  /** Fetches the lab's `node_modules` snapshot, decompressed; called once, on first need. */
  nodeModules: (signal?: AbortSignal) => Promise<Uint8Array>;
}

/** Every bound the adapter applies, in milliseconds; tests shorten them. */
export interface Timing {
  /** Booting plus mounting the lab's files, before the learner is told it failed. */
  bootMs: number;
  /** How often the status line's progress message is refreshed while booting. */
  progressEveryMs: number;
  /** After a process exited, how long output still in flight may take to arrive. */
  drainMs: number;
  /** After Ctrl-C, how long a process may take to exit (its own clean-up) before it is killed. */
  graceMs: number;
  /** After `kill()`, how long a process may take to exit before it counts as ignoring it. */
  stopMs: number;
  /** After the checker's verdict, how long it may take to exit before it is stopped. */
  verdictExitMs: number;
  /** How long the lab's Redis may take to start before commands run without it. */
  redisMs: number;
}

export const DEFAULT_TIMING: Timing = { bootMs: 45_000, progressEveryMs: 5_000, drainMs: 300, graceMs: 1_000, stopMs: 5_000, verdictExitMs: 5_000, redisMs: 15_000 };

export interface WebContainerDeps {
  /** Boots a WebContainer, or returns the one this page already booted. */
  boot: () => Promise<WebContainerLike>;
  /** Tears `container` down, so that the next `boot` starts a fresh one. */
  teardown: (container: WebContainerLike) => void;
  loadAssets: (lab: string, signal?: AbortSignal) => Promise<LabAssets>;
  /** Whether the page is cross-origin isolated, which WebContainer requires. */
  isolated: boolean;
  timing?: Partial<Timing>;
}

/** The checker, as every runtime runs it; `--json` asks for protocol output although WebContainer gives it a terminal. */
export const CHECK_COMMAND = { command: 'node', args: ['.lab/check.mjs', '--json'] };

export { BROWSER_SETTINGS_HINT, WEBCONTAINER_REMEDY } from './startup.ts';

export class WebContainerRuntime implements LabRuntime {
  readonly kind = 'webcontainer' as const;
  readonly mountTimeoutMs: number;
  readonly #deps: WebContainerDeps;
  readonly #timing: Timing;
  readonly #ports = new PortMap();
  readonly #processes: ProcessTable;
  readonly #redis: SessionRedis;
  /** The lab manifest's `env` (PORT, GREETING, …), for the shell and one-off tasks. */
  #labEnv: Record<string, string> = {};
  #container: WebContainerLike | null = null;
  #assets: LabAssets | null = null;
  /** Resolves once the workspace is set up; pending while mounting or restarting. */
  #settled: Promise<void> | null = null;
  #modules: Promise<void> | null = null;
  /** The decompressed snapshot, kept because mounting transfers it and a restart mounts it again. */
  #moduleBytes: Uint8Array | null = null;
  /** Aborts the snapshot download when the runtime is disposed. */
  #life = new AbortController();
  #onStatus: (status: RuntimeStatus) => void = () => undefined;
  #unsubscribe: (() => void)[] = [];

  constructor(deps: WebContainerDeps) {
    this.#deps = deps;
    this.#timing = { ...DEFAULT_TIMING, ...deps.timing };
    this.mountTimeoutMs = this.#timing.bootMs;
    this.#processes = new ProcessTable(this.#timing, (message) => this.#onStatus({ kind: 'problem', message, restart: true }));
    this.#redis = new SessionRedis({
      env: LAB_ENV,
      startMs: this.#timing.redisMs,
      drainMs: this.#timing.drainMs,
      onProblem: (message) => this.#onStatus({ kind: 'problem', message, restart: true }),
    });
  }

  async mount(lab: LabMount, signal?: AbortSignal): Promise<void> {
    if (!this.#deps.isolated || typeof SharedArrayBuffer === 'undefined') throw notIsolated();
    this.#onStatus = lab.onStatus ?? (() => undefined);
    this.#settled = this.#setUp(lab, signal);
    await this.#settled;
  }

  async writeFile(path: string, content: string): Promise<void> {
    const container = await this.#ready();
    const slash = path.lastIndexOf('/');
    if (slash > 0) await container.fs.mkdir(path.slice(0, slash), { recursive: true });
    await container.fs.writeFile(path, content);
  }

  async run(command: string, options: RunOptions): Promise<ProcessHandle> {
    const { command: program, args } = toSpawn(command);
    return this.#spawn(program, args, options);
  }

  async shell(options: RunOptions): Promise<ProcessHandle | null> {
    return this.#spawn('jsh', [], options, { shell: true });
  }

  warm(): void {
    void this.#ready()
      .then(() => this.#ensureModules())
      .catch(() => undefined);
  }

  async check(onEvent: (event: CheckEvent) => void, signal?: AbortSignal): Promise<DoneEvent> {
    signal?.throwIfAborted();
    const aborted = whenAborted(signal);
    let process: ProcessLike | null = null;
    let stopReading = (): void => undefined;
    try {
      const container = await Promise.race([this.#prepared(signal), aborted.promise]);
      const spawning = container.spawn(CHECK_COMMAND.command, CHECK_COMMAND.args, { env: { ...LAB_ENV } });
      // Aborted while spawning: the checker still starts, and is stopped as soon as it does.
      void Promise.race([spawning, aborted.promise]).catch(() =>
        spawning
          .then((late) => {
            this.#processes.track(late);
            return this.#processes.stop(late);
          })
          .catch(() => undefined),
      );
      process = await Promise.race([spawning, aborted.promise]);
      let abandon = (): void => undefined;
      const abandoned = new Promise<never>((_, reject) => (abandon = () => reject(new Error('The lab runtime was restarted before the checks finished.'))));
      abandoned.catch(() => undefined);
      this.#processes.track(process, { abandon });
      const reading = readVerdict(process, onEvent, this.#timing);
      stopReading = reading.stop;
      const { code, done, other } = await Promise.race([reading.outcome, aborted.promise, abandoned]);
      signal?.throwIfAborted();
      if (code !== null) this.#processes.ended(process);
      if (!done) throw missingVerdict(code, other);
      return done;
    } finally {
      aborted.dispose();
      stopReading();
      if (process && this.#processes.has(process)) void this.#processes.stop(process).catch(() => undefined);
    }
  }

  stopAll(): Promise<void> {
    return this.#processes.stopAll();
  }

  async restart(lab: LabMount): Promise<void> {
    this.#onStatus = lab.onStatus ?? this.#onStatus;
    this.#tearDown();
    this.#settled = this.#setUp(lab);
    await this.#settled;
  }

  async dispose(): Promise<void> {
    this.#life.abort(new Error('The lab runtime was closed.'));
    this.#redis.stop();
    this.#tearDown();
    this.#settled = null;
  }

  async #setUp(lab: LabMount, signal?: AbortSignal): Promise<void> {
    const clock = startupClock(this.#timing, this.#onStatus, signal);
    try {
      const [container, assets] = await clock.within(
        Promise.all([this.#deps.boot().catch((error: unknown) => Promise.reject(bootFailed(error))), this.#assets ?? this.#deps.loadAssets(lab.lab, signal)]),
      );
      this.#assets = assets;
      this.#labEnv = manifestEnv(assets.hidden, lab.lab);
      this.#listen(container);
      await clock.within(container.mount(toTree({ ...assets.hidden, ...lab.files })));
      this.#container = container;
      // A restart mounts the snapshot again at once: the learner was already running things.
      if (this.#moduleBytes) await this.#ensureModules();
    } finally {
      clock.dispose();
    }
  }

  #listen(container: WebContainerLike): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [
      this.#ports.attach(container),
      container.on('error', (error) => this.#onStatus(runtimeError(error.message))),
    ];
  }

  /** Ends every process the hard way; processes' handles report a null exit. */
  #tearDown(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#processes.abandonAll();
    this.#redis.reset();
    const container = this.#container;
    this.#container = null;
    this.#modules = null;
    if (container) {
      try {
        this.#deps.teardown(container);
      } catch {
        // Already torn down: nothing left to end.
      }
    }
  }

  /** The mounted container, waiting for a mount or restart in progress. */
  async #ready(): Promise<WebContainerLike> {
    if (!this.#settled) throw new Error('The lab workspace is not mounted yet.');
    await this.#settled;
    if (!this.#container) throw new Error('The lab workspace is not mounted yet.');
    return this.#container;
  }

  /** The container with `node_modules` mounted, which every command needs. */
  async #prepared(signal?: AbortSignal): Promise<WebContainerLike> {
    const container = await this.#ready();
    const aborted = whenAborted(signal);
    try {
      await Promise.race([this.#ensureModules(), aborted.promise]);
    } finally {
      aborted.dispose();
    }
    return container;
  }

  #ensureModules(): Promise<void> {
    this.#modules ??= (async () => {
      const container = this.#container;
      if (!container || !this.#assets) throw new Error('The lab workspace is not mounted yet.');
      this.#moduleBytes ??= await this.#assets.nodeModules(this.#life.signal).catch((error: unknown) => {
        throw new Error(`Could not load the lab's packages (node_modules): ${message(error)}. Check your connection and try again.`);
      });
      // Mounting transfers the bytes to the runtime; a copy keeps them for a restart.
      await container.mount(this.#moduleBytes.slice());
    })().catch((error: unknown) => {
      this.#modules = null;
      throw error;
    });
    return this.#modules;
  }

  /**
   * The environment of a run: long-running kinds (Run, `app`, `formation`) set up their own and are only
   * offered the lab's Redis; the shell and everything else get the manifest's environment and that Redis.
   */
  async #envFor(container: WebContainerLike, options: RunOptions, shell: boolean): Promise<Record<string, string>> {
    const aborted = whenAborted(options.signal);
    let url: string | null;
    try {
      url = await Promise.race([this.#redis.url(container, this.#assets?.hidden[REDIS_SCRIPT] !== undefined), aborted.promise]);
    } finally {
      aborted.dispose();
    }
    if (this.#container !== container) throw new Error('The lab runtime was restarted while the command was starting.');
    if (!shell && options.kind !== undefined && LONG_RUNNING_KINDS.has(options.kind)) return { ...LAB_ENV, ...(url ? { LAB_SESSION_REDIS_URL: url } : {}) };
    return { ...LAB_ENV, ...this.#labEnv, ...(url ? { REDIS_URL: url } : {}) };
  }

  async #spawn(command: string, args: string[], options: RunOptions, { shell = false } = {}): Promise<ProcessHandle> {
    options.signal?.throwIfAborted();
    const container = await this.#prepared(options.signal);
    const env = await this.#envFor(container, options, shell);
    const process = await container.spawn(command, args, { env, ...(options.size ? { terminal: options.size } : {}) });
    let abandon = (): void => undefined;
    const abandoned = new Promise<null>((resolve) => (abandon = () => resolve(null)));
    const writer = process.input.getWriter();
    const write = (data: string): void => void writer.write(data).catch(() => undefined);
    this.#processes.track(process, { abandon, interrupt: () => write('\x03') });
    const watch = options.onServerReady ? this.#ports.watch(options.onServerReady) : null;
    const followed = follow(
      process,
      (chunk) => {
        options.onOutput(chunk);
        watch?.feed(chunk);
      },
      this.#timing.drainMs,
    );
    let killed = false;
    const exit = Promise.race([followed.finished.then((code) => (killed ? null : code)), abandoned]).then(
      (code) => code,
      () => null,
    );
    void exit.then(() => {
      this.#processes.ended(process);
      watch?.dispose();
      followed.stop();
    });
    const kill = async (): Promise<void> => {
      if (!this.#processes.has(process)) return;
      killed = true;
      const port = watch?.port ?? null;
      watch?.dispose();
      await this.#processes.stop(process);
      await exit;
      // The app's port still open means a process the run started outlived it (no process groups here).
      if (port !== null && !(await this.#ports.whenClosed(port, this.#timing.graceMs))) {
        this.#onStatus({
          kind: 'problem',
          message: `The run stopped, but port ${port} is still open: a process it started is still running, and this runtime cannot reach it. Restart the lab runtime to end it; your files are kept.`,
          restart: true,
        });
      }
    };
    options.signal?.addEventListener('abort', () => void kill().catch(() => undefined), { once: true });
    // jsh has a real terminal: Ctrl-C is the byte a keyboard sends, and jsh stops its foreground job.
    return { exit, write, kill, interrupt: () => write('\x03') };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
