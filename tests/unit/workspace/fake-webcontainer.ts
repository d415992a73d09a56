/**
 * An in-memory stand-in for the part of `@webcontainer/api` the adapter uses: a file system, `mount`,
 * `spawn` of scripted programs that write to a terminal-like output stream, port events, `error` events
 * and `teardown`. It can behave like the real runtime where that runtime is awkward; each known quirk is a
 * switch (all on in `ALL_QUIRKS`), so a test can show the adapter copes with it.
 */
import type { ErrorListener, PortListener, ProcessLike, ServerReadyListener, SpawnOptionsLike, WebContainerLike } from '../../../src/workspace/runtime/webcontainer/container.ts';
import type { TreeLike } from '../../../src/workspace/runtime/webcontainer/tree.ts';

export interface Quirks {
  /** A process's `output` stream stays open after it exited (StackBlitz's own tooling works around this). */
  outputNeverCloses: boolean;
  /** `kill()` takes no signal, and a process busy in a loop ignores it (webcontainer-core#1121). */
  busyIgnoresKill: boolean;
  /** No process groups: killing a process leaves the processes it started running. */
  noProcessGroups: boolean;
  /** `server-ready` fires for every port that opens (the embedded Redis, checker-started servers), not only the app's. */
  serverReadyForEveryPort: boolean;
}

export const NO_QUIRKS: Quirks = { outputNeverCloses: false, busyIgnoresKill: false, noProcessGroups: false, serverReadyForEveryPort: false };
export const ALL_QUIRKS: Quirks = { outputNeverCloses: true, busyIgnoresKill: true, noProcessGroups: true, serverReadyForEveryPort: true };

export interface ProgramContext {
  args: string[];
  env: Record<string, string>;
  files: Map<string, string>;
  print(text: string): void;
  /** Chunks written to the process's input. */
  input: AsyncIterable<string>;
  /** Resolves when a `kill()` reached the process (the process ends right after). */
  killed: Promise<void>;
  /** The process spins from now on: with `busyIgnoresKill`, `kill()` does nothing until `idle()`. */
  busy(): void;
  idle(): void;
  /** Opens a port as a server of this process would; it closes when the process ends. */
  listen(port: number, options?: { http?: boolean }): void;
  /** Starts a child process, as the launcher starts the app and the embedded Redis. */
  spawn(command: string, args: string[]): Promise<ProcessLike>;
}
export type Program = (context: ProgramContext) => Promise<number>;

interface Running {
  process: ProcessLike;
  command: string;
  args: string[];
  children: Set<Running>;
  ports: Set<number>;
  busy: boolean;
  /** Ends the process now: `code` for a kill. */
  end(code: number): void;
}

/** The address the fake serves a port at, as the real one gives a per-port preview URL. */
export const previewUrl = (port: number): string => `https://lab--${port}.fake-webcontainer.test`;

export class FakeWebContainer implements WebContainerLike {
  readonly quirks: Quirks;
  readonly files = new Map<string, string>();
  /** Copies of the snapshots mounted (the originals are transferred, as the real `mount` does). */
  readonly snapshots: Uint8Array[] = [];
  readonly spawned: { command: string; args: string[]; env: Record<string, string> }[] = [];
  readonly programs = new Map<string, Program>();
  readonly #running = new Set<Running>();
  readonly #listeners = { 'server-ready': new Set<ServerReadyListener>(), port: new Set<PortListener>(), error: new Set<ErrorListener>() };
  /** Kills that reached a busy process and did nothing. */
  ignoredKills = 0;
  tornDown = false;

  constructor(quirks: Partial<Quirks> = {}) {
    this.quirks = { ...NO_QUIRKS, ...quirks };
  }

  fs = {
    writeFile: async (path: string, data: string): Promise<void> => {
      this.#alive();
      this.files.set(path, data);
    },
    mkdir: async (path: string): Promise<string> => path,
  };

  /** Processes still running, by command line, e.g. `node app.js`. */
  get running(): string[] {
    return [...this.#running].map(({ command, args }) => [command, ...args].join(' '));
  }

  async mount(tree: TreeLike | Uint8Array): Promise<void> {
    this.#alive();
    if (tree instanceof Uint8Array) {
      if (tree.buffer.byteLength === 0) throw new TypeError('fake: mounted a detached buffer (a snapshot can be mounted once)');
      this.snapshots.push(tree.slice());
      structuredClone(tree, { transfer: [tree.buffer] });
      return;
    }
    const walk = (node: TreeLike, prefix: string): void => {
      for (const [name, entry] of Object.entries(node)) {
        if ('file' in entry) this.files.set(prefix + name, entry.file.contents);
        else walk(entry.directory, `${prefix}${name}/`);
      }
    };
    walk(tree, '');
  }

  on(event: 'server-ready', listener: ServerReadyListener): () => void;
  on(event: 'port', listener: PortListener): () => void;
  on(event: 'error', listener: ErrorListener): () => void;
  on(event: 'server-ready' | 'port' | 'error', listener: ServerReadyListener | PortListener | ErrorListener): () => void {
    const set = this.#listeners[event] as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  get listenerCount(): number {
    return Object.values(this.#listeners).reduce((sum, set) => sum + set.size, 0);
  }

  /** What the real container does on an internal error, e.g. when the browser blocks its storage. */
  emitError(message: string): void {
    for (const listener of this.#listeners.error) listener({ message });
  }

  teardown(): void {
    if (this.tornDown) throw new Error('WebContainer already torn down');
    this.tornDown = true;
    // Everything ends, busy or not; the processes' `exit` promises never settle (nothing says they do).
    for (const running of this.#running) running.end(-1);
    this.#running.clear();
  }

  spawn(command: string, args: string[], options: SpawnOptionsLike = {}): Promise<ProcessLike> {
    return this.#spawn(command, args, options.env ?? {}, null);
  }

  async #spawn(command: string, args: string[], env: Record<string, string>, parent: Running | null): Promise<ProcessLike> {
    this.#alive();
    this.spawned.push({ command, args, env });
    const program = this.programs.get(command);
    if (!program) throw new Error(`fake: no program "${command}"`);
    let emit!: ReadableStreamDefaultController<string>;
    const output = new ReadableStream<string>({ start: (controller) => void (emit = controller) });
    let open = true;
    const chunks: string[] = [];
    let wake: (() => void) | null = null;
    const input = new WritableStream<string>({
      write: (chunk) => {
        chunks.push(chunk);
        wake?.();
      },
    });
    const inputIterable: AsyncIterable<string> = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (chunks.length) yield chunks.shift()!;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    };
    let reachKill!: () => void;
    const killed = new Promise<void>((resolve) => (reachKill = resolve));
    let settle!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (settle = resolve));
    let ended = false;
    const running: Running = {
      process: null as unknown as ProcessLike,
      command,
      args,
      children: new Set(),
      ports: new Set(),
      busy: false,
      end: (code) => {
        if (ended) return;
        ended = true;
        this.#running.delete(running);
        for (const port of running.ports) this.#emitPort(port, 'close');
        if (!this.quirks.noProcessGroups) for (const child of running.children) child.end(code);
        if (!this.quirks.outputNeverCloses && open) {
          open = false;
          emit.close();
        }
        if (code !== -1) settle(code);
      },
    };
    const process: ProcessLike = {
      exit,
      input,
      output,
      kill: () => {
        if (ended) return;
        if (running.busy && this.quirks.busyIgnoresKill) {
          this.ignoredKills += 1;
          return;
        }
        reachKill();
        running.end(143);
      },
      resize: () => undefined,
    };
    running.process = process;
    this.#running.add(running);
    parent?.children.add(running);
    const context: ProgramContext = {
      args,
      env,
      files: this.files,
      print: (text) => {
        if (!ended || (this.quirks.outputNeverCloses && open)) emit.enqueue(text);
      },
      input: inputIterable,
      killed,
      busy: () => void (running.busy = true),
      idle: () => void (running.busy = false),
      listen: (port, { http = true } = {}) => {
        running.ports.add(port);
        this.#emitPort(port, 'open');
        if (http || this.quirks.serverReadyForEveryPort) for (const listener of this.#listeners['server-ready']) listener(port, previewUrl(port));
      },
      spawn: (childCommand, childArgs) => this.#spawn(childCommand, childArgs, env, running),
    };
    void program(context).then(
      (code) => running.end(code),
      () => running.end(1),
    );
    return process;
  }

  #emitPort(port: number, type: 'open' | 'close'): void {
    for (const listener of this.#listeners.port) listener(port, type, previewUrl(port));
  }

  #alive(): void {
    if (this.tornDown) throw new Error('fake: this WebContainer was torn down');
  }
}
