/**
 * The one interface the browser workspace uses to run a lab. Two adapters implement it:
 * `local/` (the runner inside `npm start`) and `webcontainer/` (a static deployment).
 * Plain UI pieces never import this; the lab panel wires them together.
 */

import type { TaskKind } from '../../lab-model/task-kinds.ts';

/** Workspace-relative POSIX path → UTF-8 content. */
export type FileMap = Record<string, string>;

/** One event of the checker's NDJSON protocol (see labs/_kit and DESIGN.md). */
export type CheckEvent =
  | { v: 1; type: 'plan'; lab: string; checks: { id: string; title: string }[] }
  | { v: 1; type: 'log'; check: string; source: 'checker' | 'app'; text: string }
  | {
      v: 1;
      type: 'result';
      check: string;
      status: 'pass' | 'fail' | 'error';
      message: string;
      expected?: string;
      actual?: string;
      hints: string[];
      ms: number;
    }
  | { v: 1; type: 'done'; status: 'pass' | 'fail' | 'error'; passed: number; failed: number; errored: number };

export type DoneEvent = Extract<CheckEvent, { type: 'done' }>;

/** What a lab needs from the runtime to set up a workspace. */
export interface LabMount {
  /** Lab id, e.g. `03-config`. */
  lab: string;
  /** The learner's current files (starter merged with their saved edits). */
  files: FileMap;
}

/** A running process: its output arrives through the callbacks given to `run`. */
export interface ProcessHandle {
  /** Resolves with the exit code (or null when killed by a signal) once the process has ended. */
  exit: Promise<number | null>;
  /** Sends text to the process's stdin (interactive shells, prompts). */
  write(data: string): void;
  /** Stops the process and everything it started. Resolves when it is gone. */
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
  /** Stops every process this runtime started (runs, shells, checks). */
  stopAll(): Promise<void>;
  /** Frees the workspace; the runtime cannot be used afterwards. */
  dispose(): Promise<void>;
  /**
   * Called while the page unloads, when nothing can be awaited: asks, fire-and-forget, that every process
   * stop at once. A runtime used again afterwards (a page restored from the back/forward cache) sets its
   * workspace up anew. Optional: a runtime that lives inside the page ends with it anyway.
   */
  release?(): void;
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
