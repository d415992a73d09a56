/**
 * One lab on one page: the learner's files, the runtime that runs them, the check results and the
 * learner's progress, wired together. The UI calls the commands here and renders the stores; it never
 * talks to a runtime itself.
 *
 * Work on the runtime is serialised: a run or a check starts only after pending file writes landed, a new
 * check cancels the previous one through its AbortSignal, and Stop cancels everything.
 */
import { createChecksStore, type ChecksStore } from './stores/checks.ts';
import { createFilesStore, type FilesStore } from './stores/files.ts';
import { createRunStore, describeExit, type RunStore } from './stores/run.ts';
import type { KeyValueStorage, StorageFailure } from './stores/storage.ts';
import { createWriteQueue } from './runtime/write-queue.ts';
import { RuntimeUnavailableError, StopTimeoutError, type FileMap, type LabMount, type LabRuntime, type ProcessHandle, type RuntimeStatus } from './runtime/types.ts';
import type { TaskKind } from '../lab-model/task-kinds.ts';

/** The part of the site's progress module the session needs (see src/lib/progress.ts). */
export interface ProgressApi {
  setLabStatus(lab: string, status: 'in-progress' | 'passed'): void;
  labStatus(lab: string): string;
}

export interface LabSessionOptions {
  lab: string;
  starter: FileMap;
  /** The command Run starts, e.g. `npm start`. */
  runCommand: string;
  /** What that command is: `app` for Run itself, else the task's kind. */
  runKind?: TaskKind;
  createRuntime: () => Promise<LabRuntime>;
  progress: ProgressApi;
  storage?: KeyValueStorage | StorageFailure;
  /** How long connecting may take before the learner is told it failed. */
  connectTimeoutMs?: number;
}

export type OutputListener = (chunk: string) => void;

export class LabSession {
  readonly lab: string;
  readonly files: FilesStore;
  readonly run: RunStore;
  readonly checks: ChecksStore;
  readonly #options: LabSessionOptions;
  readonly #outputListeners = new Set<OutputListener>();
  readonly #writes;
  #runtime: LabRuntime | null = null;
  #ready: Promise<LabRuntime | null> | null = null;
  #app: ProcessHandle | null = null;
  #check: AbortController | null = null;
  #warmed = false;
  /** Whether the runtime being connected can restart itself (`LabRuntime.restart`). */
  #restartable = false;

  constructor(options: LabSessionOptions) {
    this.#options = options;
    this.lab = options.lab;
    this.run = createRunStore();
    this.checks = createChecksStore({ lab: options.lab, ...(options.storage ? { storage: options.storage } : {}) });
    this.#writes = createWriteQueue(
      (path, content) => this.#runtime?.writeFile(path, content) ?? Promise.resolve(),
      (path, error) => {
        if (error instanceof RuntimeUnavailableError) this.run.lost(error.message);
        else this.#print(`\r\n\x1b[31mCould not send ${path} to the runtime: ${message(error)}\x1b[0m\r\n`);
      },
    );
    this.files = createFilesStore({
      lab: options.lab,
      starter: options.starter,
      ...(options.storage ? { storage: options.storage } : {}),
      onChange: (path, text) => {
        this.#markStarted();
        this.#warm();
        if (this.#runtime) this.#writes.schedule(path, text);
      },
    });
    if (typeof addEventListener === 'function') addEventListener('pagehide', this.#onPageHide);
  }

  /**
   * The page is going away (closed, navigated, or put in the back/forward cache): the runtime stops the
   * learner's processes now rather than when its idle timeout notices, so the app's port is free at once.
   */
  readonly #onPageHide = (): void => {
    this.#check?.abort(new Error('The page is closing.'));
    this.#runtime?.release?.();
    if (this.#app) {
      this.#app = null;
      this.run.app('stopped', { code: null });
    }
  };

  /** Terminal output of runs and the shell. Returns an unsubscribe function. */
  onOutput(listener: OutputListener): () => void {
    this.#outputListeners.add(listener);
    return () => this.#outputListeners.delete(listener);
  }

  /** Connects the runtime and mounts the learner's files; safe to call more than once. */
  connect(): Promise<LabRuntime | null> {
    this.#ready ??= this.#connect();
    return this.#ready;
  }

  async #connect(): Promise<LabRuntime | null> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // The runtime starts from the saved files, which IndexedDB hands over asynchronously.
      await this.files.ready;
      const runtime = await this.#options.createRuntime();
      this.#restartable = runtime.restart !== undefined;
      // A runtime that bounds its own set-up (WebContainer boots for up to 45 s) gets that long, and a little more.
      const timeoutMs = Math.max(this.#options.connectTimeoutMs ?? 25_000, (runtime.mountTimeoutMs ?? 0) + 5_000);
      timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
      await Promise.race([
        runtime.mount(this.#mountRequest(), controller.signal),
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () =>
            reject(new Error(`the lab runtime did not answer within ${Math.round(timeoutMs / 1000)} s`)),
          ),
        ),
      ]);
      this.#runtime = runtime;
      this.run.connected(runtime.kind);
      runtime.onConnection?.((state) => {
        if (state === 'back') {
          this.run.connected(runtime.kind);
          return;
        }
        // The server took the app with it; a check under way ends without a verdict (the rows stay).
        this.#app = null;
        this.#check?.abort(new Error(SERVER_GONE));
        this.run.disconnected(SERVER_GONE);
      });
      return runtime;
    } catch (error) {
      if (error instanceof RuntimeUnavailableError) this.run.unavailable(error.message, error.remedy);
      else this.run.failed(`The lab could not start: ${message(error)}. Reload the page to try again.`);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the learner's app, stopping a previous run first. */
  async start(size?: { cols: number; rows: number }): Promise<void> {
    const runtime = await this.connect();
    if (!runtime) return;
    if (!(await this.stop())) return;
    this.#markStarted();
    this.run.app('starting');
    await this.#writes.flush();
    const command = this.#options.runCommand;
    this.#print(`\r\n\x1b[2m$ ${command}\x1b[0m\r\n`);
    try {
      let started: ProcessHandle | null = null;
      const handle = await runtime.run(command, {
        kind: this.#options.runKind ?? 'app',
        onOutput: (chunk) => this.#print(chunk),
        // Kept only while this run is the app (it may announce itself before `run` resolves); a late
        // announcement from a run that was stopped meanwhile is dropped.
        onServerReady: (url) => {
          if (this.#app === started || (started === null && this.#app === null)) this.run.appUrl(url);
        },
        ...(size ? { size } : {}),
      });
      started = handle;
      this.#app = handle;
      this.run.app('running');
      void handle.exit.then(async (code) => {
        if (this.#app !== handle) return;
        this.#app = null;
        const exit = { code, signal: (await handle.ended)?.signal ?? null, ms: null, stopped: false };
        this.run.app('stopped', exit);
        this.#print(`\r\n\x1b[2m[${describeExit(exit, 'long')}]\x1b[0m\r\n`);
      });
    } catch (error) {
      this.run.app('stopped');
      this.#print(`\r\n\x1b[31mCould not start the app: ${message(error)}\x1b[0m\r\n`);
      if (error instanceof RuntimeUnavailableError) this.run.lost(error.message);
    }
  }

  /**
   * Stops the learner's app (not a check in progress) and reports how it ended: its exit code or the
   * signal that ended it, and how long it took after Stop — what a platform sees when it stops a process.
   * Resolves false when the app ignored it: it keeps running, and the runtime's problem offers a restart
   * of the lab runtime.
   */
  async stop(): Promise<boolean> {
    const app = this.#app;
    if (!app) return true;
    this.#app = null;
    this.run.app('stopping');
    const asked = now();
    try {
      await app.kill();
    } catch (error) {
      if (!(error instanceof StopTimeoutError)) throw error;
      this.#app = app;
      this.run.app('running');
      return false;
    }
    const code = await app.exit;
    const signal = (await app.ended)?.signal ?? null;
    const exit = { code, signal, ms: Math.round(now() - asked), stopped: true };
    this.run.app('stopped', exit);
    this.#print(`\r\n\x1b[2m[${describeExit(exit, 'long')}]\x1b[0m\r\n`);
    return true;
  }

  /**
   * Ends every process of the lab the hard way, by restarting the runtime with the learner's current
   * files: for a process that ignored Stop. Does nothing where the runtime cannot restart.
   */
  async restartRuntime(): Promise<void> {
    const runtime = this.#runtime;
    if (!runtime?.restart) return;
    this.#check?.abort(new Error('The lab runtime was restarted.'));
    this.#app = null;
    this.run.problem(null);
    this.run.app('stopping');
    this.#print('\r\n\x1b[2m[restarting the lab runtime]\x1b[0m\r\n');
    try {
      await this.#writes.flush();
      await runtime.restart(this.#mountRequest());
      this.run.app('stopped', { code: null });
    } catch (error) {
      if (error instanceof RuntimeUnavailableError) this.run.lost(error.message);
      else this.run.failed(`The lab runtime could not restart: ${message(error)}. Reload the page to try again.`);
    }
  }

  /** Runs the lab's checks against the learner's current files; a running check is cancelled first. */
  async check(): Promise<void> {
    this.#check?.abort(new Error('A newer check run replaced this one.'));
    const controller = new AbortController();
    this.#check = controller;
    this.checks.begin();
    this.run.checking(true);
    this.#markStarted();
    try {
      const runtime = await this.connect();
      if (!runtime) {
        this.checks.fail(this.run.state.get().message ?? 'The lab runtime is not available.');
        return;
      }
      await this.#writes.flush();
      const done = await runtime.check((event) => {
        if (!controller.signal.aborted) this.checks.apply(event);
      }, controller.signal);
      if (controller.signal.aborted) {
        if (controller.signal.reason instanceof Error && controller.signal.reason.message === SERVER_GONE) this.checks.abandon(SERVER_GONE);
        return;
      }
      this.checks.apply(done);
      if (done.status === 'pass') this.#options.progress.setLabStatus(this.lab, 'passed');
    } catch (error) {
      if (this.#check !== controller) return;
      // A runtime that went away is no verdict on the learner's code: the rows stay, the notice says why.
      if (error instanceof RuntimeUnavailableError && !controller.signal.aborted) {
        this.checks.abandon(error.message);
        this.run.lost(error.message);
      } else if (controller.signal.aborted && controller.signal.reason instanceof Error && controller.signal.reason.message === SERVER_GONE) {
        this.checks.abandon(SERVER_GONE);
      } else this.checks.fail(controller.signal.aborted ? 'Stopped.' : message(error));
    } finally {
      if (this.#check === controller) {
        this.#check = null;
        this.run.checking(false);
      }
    }
  }

  /** Cancels a check in progress. */
  cancelCheck(): void {
    this.#check?.abort(new Error('Stopped by the learner.'));
  }

  /**
   * Starts the runtime's interactive shell, or returns null where it has none. `onOutput` is called each
   * time the shell says something, so the terminal can hold keys typed early until its banner and prompt are out.
   */
  async shell(size: { cols: number; rows: number }, onOutput?: () => void): Promise<ProcessHandle | null> {
    const runtime = await this.connect();
    if (!runtime) return null;
    try {
      return await runtime.shell({
        onOutput: (chunk) => {
          this.#print(chunk);
          onOutput?.();
        },
        size,
      });
    } catch (error) {
      if (error instanceof RuntimeUnavailableError) this.run.lost(error.message);
      throw error;
    }
  }

  /** Stops everything and frees the workspace (page unload). */
  async dispose(): Promise<void> {
    this.files.dispose();
    if (typeof removeEventListener === 'function') removeEventListener('pagehide', this.#onPageHide);
    this.#check?.abort(new Error('The page is closing.'));
    this.#writes.clear();
    await this.#runtime?.dispose();
    this.#runtime = null;
  }

  #mountRequest(): LabMount {
    return { lab: this.lab, files: this.files.files.get(), onStatus: (status) => this.#status(status) };
  }

  #status(status: RuntimeStatus): void {
    if (status.kind === 'progress') this.run.progress(status.message);
    else this.run.problem({ message: status.message, restart: status.restart && this.#restartable });
  }

  /** The learner started typing: a runtime that fetches what a run needs may start now, when the page is idle. */
  #warm(): void {
    const ready = this.#ready;
    if (this.#warmed || !ready) return;
    this.#warmed = true;
    const idle = (callback: () => void): void => {
      if (typeof requestIdleCallback === 'function') requestIdleCallback(callback, { timeout: 5_000 });
      else setTimeout(callback, 1_000);
    };
    void ready.then((runtime) => runtime?.warm && idle(() => runtime.warm?.()));
  }

  #print(chunk: string): void {
    for (const listener of this.#outputListeners) listener(chunk);
  }

  #markStarted(): void {
    const { progress } = this.#options;
    const status = progress.labStatus(this.lab);
    if (status !== 'passed' && status !== 'in-progress') progress.setLabStatus(this.lab, 'in-progress');
  }
}

/** What the learner reads while the course server is away. */
export const SERVER_GONE = 'The course server stopped or restarted. Your edits are kept in this browser; the lab reconnects by itself as soon as the server is back.';

const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
