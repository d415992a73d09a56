/**
 * The one interface the browser workspace uses to run a lab. Two adapters implement it:
 * `local/` (the runner inside `npm start`) and `webcontainer/` (a static deployment).
 * Plain UI pieces never import this; the lab panel wires them together.
 */

import type { TaskKind } from '../../lab-model/task-kinds.ts';

/** Workspace-relative POSIX path → UTF-8 content. */
export type FileMap = Record<string, string>;

/** One event of the checker's NDJSON protocol: its schema and parser live in src/lab-model/check-events.ts. */
export type { CheckEvent, DoneEvent } from '../../lab-model/check-events.ts';
import type { CheckEvent, DoneEvent } from '../../lab-model/check-events.ts';

/** What a runtime reports about itself, while it sets up and afterwards (see `LabMount.onStatus`). */
export type RuntimeStatus =
  /** Setting up takes a while; the message says what is happening, for the status line. */
  | { kind: 'progress'; message: string }
  /**
   * Something the learner must act on, written for them: a process that ignored Stop, an error the runtime
   * reported. `restart` says whether `LabRuntime.restart` may fix it.
   */
  | { kind: 'problem'; message: string; restart: boolean };

/** What a lab needs from the runtime to set up a workspace. */
export interface LabMount {
  /** Lab id, e.g. `03-config`. */
  lab: string;
  /** The learner's current files (starter merged with their saved edits). */
  files: FileMap;
  /** Hears progress while mounting and problems the runtime notices later. Optional. */
  onStatus?: (status: RuntimeStatus) => void;
}

/** A running process: its output arrives through the callbacks given to `run`. */
export interface ProcessHandle {
  /** Resolves with the exit code (or null when killed by a signal) once the process has ended. */
  exit: Promise<number | null>;
  /**
   * Resolves with the exit code and the signal that ended the process (null when it exited by itself),
   * when the runtime knows them. Optional: a runtime that cannot tell leaves it out.
   */
  ended?: Promise<{ code: number | null; signal: string | null }>;
  /** Sends text to the process's stdin (interactive shells, prompts). */
  write(data: string): void;
  /**
   * Stops the process and everything it started. Resolves when it is gone; rejects with
   * `StopTimeoutError` when it is still running after the runtime's bound (a process that ignores being
   * stopped), in which case only `LabRuntime.restart` can end it.
   */
  kill(): Promise<void>;
  /**
   * Ctrl-C: stops the command running in the foreground of a shell while the shell itself stays.
   * Optional for compatibility; a runtime with a real terminal may instead receive `\x03` through `write`.
   */
  interrupt?(): void;
}

export interface RunOptions {
  /** Called with each chunk of output, stdout and stderr interleaved as they arrive (terminal-ready text). */
  onOutput: (chunk: string) => void;
  /** What the command is (Run is `app`; a task says its kind), which decides the environment it gets. */
  kind?: TaskKind;
  signal?: AbortSignal;
  /** Terminal size, for runtimes that provide a pty. */
  size?: { cols: number; rows: number };
  /**
   * Called when the started app accepts HTTP requests, with an address the learner's browser can open
   * (the launcher's announcement on the local runner, the `server-ready` event on WebContainer).
   * Optional: a runtime that cannot tell simply never calls it.
   */
  onServerReady?: (url: string) => void;
}

export interface LabRuntime {
  /** Which adapter this is, for messages and diagnostics. */
  readonly kind: 'local' | 'webcontainer';
  /** Creates (or re-creates) the lab's workspace with the learner's files. Resolves when commands can run. */
  mount(lab: LabMount, signal?: AbortSignal): Promise<void>;
  /** Writes one learner file into the mounted workspace. */
  writeFile(path: string, content: string): Promise<void>;
  /** Starts the lab's app or a command in the workspace, output streamed through `onOutput`. */
  run(command: string, options: RunOptions): Promise<ProcessHandle>;
  /** Starts an interactive shell where the runtime has one; `null` where it has none. */
  shell(options: RunOptions): Promise<ProcessHandle | null>;
  /** Runs the lab's checker; every event is passed to `onEvent`; resolves with the final `done` event. */
  check(onEvent: (event: CheckEvent) => void, signal?: AbortSignal): Promise<DoneEvent>;
  /** Stops every process this runtime started (runs, shells, checks); rejects like `ProcessHandle.kill`. */
  stopAll(): Promise<void>;
  /** Frees the workspace; the runtime cannot be used afterwards. */
  dispose(): Promise<void>;
  /**
   * Tells `listener` when the runtime loses its connection (`lost`: the course server went away; running
   * processes are gone) and when it has a working workspace again (`back`: it reconnected by itself,
   * with the learner's current files). Optional: a runtime that lives inside the page never loses it.
   */
  onConnection?(listener: (state: 'lost' | 'back') => void): void;
  /**
   * Called while the page unloads, when nothing can be awaited: asks, fire-and-forget, that every process
   * stop at once. A runtime used again afterwards (a page restored from the back/forward cache) sets its
   * workspace up anew. Optional: a runtime that lives inside the page ends with it anyway.
   */
  release?(): void;
  /**
   * The longest `mount` takes before it fails by itself; a caller that bounds `mount` waits at least this
   * long. Optional: without it the caller's own bound applies.
   */
  readonly mountTimeoutMs?: number;
  /**
   * The learner will probably run something soon (they started typing): fetch what a first run needs, in
   * the background, without starting anything. Optional; Run and Check fetch it themselves anyway.
   */
  warm?(): void;
  /**
   * Ends every process the hard way by tearing the runtime down, then sets the workspace up again with
   * `lab`'s files: for a process that ignores being stopped (`StopTimeoutError`). Optional: offered only
   * where the runtime can do it.
   */
  restart?(lab: LabMount): Promise<void>;
}

/** A process that was told to stop is still running after the bound; `message` is written for the learner. */
export class StopTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StopTimeoutError';
  }
}

/** Thrown by `mount` when the runtime cannot work here; `message` is written for the learner. */
export class RuntimeUnavailableError extends Error {
  /** What the learner can do instead, e.g. run the course locally. */
  readonly remedy: string;
  constructor(message: string, remedy: string) {
    super(message);
    this.name = 'RuntimeUnavailableError';
    this.remedy = remedy;
  }
}
