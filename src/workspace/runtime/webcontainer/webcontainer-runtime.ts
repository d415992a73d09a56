/**
 * The lab runtime for a static deployment: StackBlitz's WebContainer runs Node inside the browser tab.
 * Boots once per page, mounts a prebuilt `node_modules` snapshot plus the lab's files (no `npm install`),
 * runs commands through `jsh`, and runs the same checker as every other runtime.
 *
 * Typed against the small part of `@webcontainer/api` it uses (`WebContainerLike`), so unit tests drive it
 * with an in-memory fake; ./boot.ts supplies the real one.
 */
import { lineSplitter, missingVerdict, parseCheckEvent } from '../ndjson.ts';
import {
  RuntimeUnavailableError,
  type CheckEvent,
  type DoneEvent,
  type FileMap,
  type LabMount,
  type LabRuntime,
  type ProcessHandle,
  type RunOptions,
} from '../types.ts';
import { toTree, type TreeLike } from './tree.ts';

export interface ProcessLike {
  exit: Promise<number>;
  input: WritableStream<string>;
  output: ReadableStream<string>;
  kill(): void;
  resize(dimensions: { cols: number; rows: number }): void;
}

export interface WebContainerLike {
  fs: {
    writeFile(path: string, data: string): Promise<void>;
    mkdir(path: string, options: { recursive: true }): Promise<string>;
  };
  mount(tree: TreeLike | Uint8Array): Promise<void>;
  spawn(command: string, args: string[], options?: { terminal?: { cols: number; rows: number }; env?: Record<string, string> }): Promise<ProcessLike>;
  /** Fires when a process in the container starts listening on a port; returns an unsubscribe function. */
  on(event: 'server-ready', listener: (port: number, url: string) => void): () => void;
}

/** The lab's files the learner never sees, and the `node_modules` snapshot, as built by the site. */
export interface LabAssets {
  hidden: FileMap;
  nodeModules: Uint8Array;
}

export interface WebContainerDeps {
  /** Boots (or returns the page's already booted) WebContainer. */
  boot: () => Promise<WebContainerLike>;
  loadAssets: (lab: string, signal?: AbortSignal) => Promise<LabAssets>;
  /** Whether the page is cross-origin isolated, which WebContainer requires. */
  isolated: boolean;
  bootTimeoutMs?: number;
}

/** The checker, as every runtime runs it; `--json` asks for protocol output although WebContainer gives it a terminal. */
export const CHECK_COMMAND = { command: 'node', args: ['.lab/check.mjs', '--json'], env: {} };

export const WEBCONTAINER_REMEDY =
  'Run the course on your own computer instead: clone its repository, run “npm start” and open the address it prints. The labs then run as ordinary Node processes, in any browser.';

export class WebContainerRuntime implements LabRuntime {
  readonly kind = 'webcontainer' as const;
  readonly #deps: WebContainerDeps;
  #container: WebContainerLike | null = null;
  readonly #processes = new Set<ProcessLike>();
  /** The latest run that wants to hear when its server is ready; the container's event is page-wide. */
  #serverReady: { process: ProcessLike; notify: (url: string) => void } | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(deps: WebContainerDeps) {
    this.#deps = deps;
  }

  async mount(lab: LabMount, signal?: AbortSignal): Promise<void> {
    if (!this.#deps.isolated || typeof SharedArrayBuffer === 'undefined') {
      throw new RuntimeUnavailableError(
        'This browser cannot run the labs in the page: the in-browser Node runtime needs a cross-origin-isolated page with SharedArrayBuffer, which it does not have here.',
        WEBCONTAINER_REMEDY,
      );
    }
    const timeoutMs = this.#deps.bootTimeoutMs ?? 15_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RuntimeUnavailableError(`The in-browser Node runtime did not start within ${Math.round(timeoutMs / 1000)} seconds (it loads from StackBlitz's servers, which may be unreachable from this network).`, WEBCONTAINER_REMEDY)),
        timeoutMs,
      );
    });
    try {
      const [container, assets] = await Promise.race([
        Promise.all([
          this.#deps.boot().catch((error: unknown) => {
            throw new RuntimeUnavailableError(`The in-browser Node runtime failed to start: ${message(error)}.`, WEBCONTAINER_REMEDY);
          }),
          this.#deps.loadAssets(lab.lab, signal),
        ]),
        deadline,
      ]);
      await container.mount(assets.nodeModules);
      await container.mount(toTree({ ...assets.hidden, ...lab.files }));
      this.#container = container;
      this.#unsubscribe?.();
      this.#unsubscribe = container.on('server-ready', (_port, url) => {
        const waiting = this.#serverReady;
        if (waiting && this.#processes.has(waiting.process)) waiting.notify(url);
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async writeFile(path: string, content: string): Promise<void> {
    const container = this.#ready();
    const slash = path.lastIndexOf('/');
    if (slash > 0) await container.fs.mkdir(path.slice(0, slash), { recursive: true });
    await container.fs.writeFile(path, content);
  }

  async run(command: string, options: RunOptions): Promise<ProcessHandle> {
    return this.#spawn('jsh', ['-c', command], options);
  }

  async shell(options: RunOptions): Promise<ProcessHandle | null> {
    return this.#spawn('jsh', [], options);
  }

  async check(onEvent: (event: CheckEvent) => void, signal?: AbortSignal): Promise<DoneEvent> {
    const container = this.#ready();
    const process = await container.spawn(CHECK_COMMAND.command, CHECK_COMMAND.args, { env: CHECK_COMMAND.env });
    this.#processes.add(process);
    const stop = (): void => process.kill();
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    let done: DoneEvent | null = null;
    let other = '';
    const lines = lineSplitter((line) => {
      const event = parseCheckEvent(line);
      if (!event) other += `${line}\n`;
      else if (event.type === 'done') done = event;
      else onEvent(event);
    });
    try {
      await process.output.pipeTo(new WritableStream({ write: (chunk) => lines.push(chunk) })).catch(() => undefined);
      lines.end();
      const code = await process.exit;
      signal?.throwIfAborted();
      if (!done) throw missingVerdict(code, other);
      return done;
    } finally {
      signal?.removeEventListener('abort', stop);
      this.#processes.delete(process);
    }
  }

  async stopAll(): Promise<void> {
    const processes = [...this.#processes];
    this.#processes.clear();
    for (const process of processes) process.kill();
    await Promise.all(processes.map((process) => process.exit.catch(() => null)));
  }

  async dispose(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.stopAll();
    this.#container = null;
  }

  async #spawn(command: string, args: string[], options: RunOptions): Promise<ProcessHandle> {
    const container = this.#ready();
    const process = await container.spawn(command, args, options.size ? { terminal: options.size } : {});
    this.#processes.add(process);
    if (options.onServerReady) this.#serverReady = { process, notify: options.onServerReady };
    void process.output.pipeTo(new WritableStream({ write: (chunk) => options.onOutput(chunk) })).catch(() => undefined);
    let killed = false;
    const exit = process.exit.then(
      (code) => (killed ? null : code),
      () => null,
    );
    void exit.then(() => this.#processes.delete(process));
    const writer = process.input.getWriter();
    const kill = async (): Promise<void> => {
      killed = true;
      process.kill();
      await exit;
    };
    options.signal?.addEventListener('abort', () => void kill(), { once: true });
    const write = (data: string): void => void writer.write(data);
    // jsh has a real terminal: Ctrl-C is the byte a keyboard sends, and jsh stops its foreground job.
    return { exit, write, kill, interrupt: () => write('\x03') };
  }

  #ready(): WebContainerLike {
    if (!this.#container) throw new Error('The lab workspace is not mounted yet.');
    return this.#container;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
