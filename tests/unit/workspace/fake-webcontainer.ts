/**
 * An in-memory stand-in for the part of `@webcontainer/api` the adapter uses: a file system, `mount`,
 * and `spawn` of scripted programs that write to a terminal-like output stream and exit.
 */
import type { ProcessLike, WebContainerLike } from '../../../src/workspace/runtime/webcontainer/webcontainer-runtime.ts';
import type { TreeLike } from '../../../src/workspace/runtime/webcontainer/tree.ts';

export interface ProgramContext {
  args: string[];
  env: Record<string, string>;
  files: Map<string, string>;
  print(text: string): void;
  /** Lines written to the process's input. */
  input: AsyncIterable<string>;
  killed: Promise<void>;
}
export type Program = (context: ProgramContext) => Promise<number>;

export class FakeWebContainer implements WebContainerLike {
  readonly files = new Map<string, string>();
  readonly snapshots: Uint8Array[] = [];
  readonly spawned: { command: string; args: string[]; env: Record<string, string> }[] = [];
  readonly programs = new Map<string, Program>();
  readonly running = new Set<ProcessLike>();
  readonly #serverReady = new Set<(port: number, url: string) => void>();

  fs = {
    writeFile: async (path: string, data: string): Promise<void> => {
      this.files.set(path, data);
    },
    mkdir: async (path: string): Promise<string> => path,
  };

  async mount(tree: TreeLike | Uint8Array): Promise<void> {
    if (tree instanceof Uint8Array) {
      this.snapshots.push(tree);
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

  on(_event: 'server-ready', listener: (port: number, url: string) => void): () => void {
    this.#serverReady.add(listener);
    return () => this.#serverReady.delete(listener);
  }

  /** What the real container does when a process starts listening on `port`. */
  emitServerReady(port: number): void {
    for (const listener of this.#serverReady) listener(port, `https://lab--${port}.fake-webcontainer.test`);
  }

  get serverReadyListeners(): number {
    return this.#serverReady.size;
  }

  async spawn(command: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<ProcessLike> {
    const env = options.env ?? {};
    this.spawned.push({ command, args, env });
    const program = this.programs.get(command);
    if (!program) throw new Error(`fake: no program "${command}"`);
    let emit!: ReadableStreamDefaultController<string>;
    const output = new ReadableStream<string>({ start: (controller) => void (emit = controller) });
    const lines: string[] = [];
    let wake: (() => void) | null = null;
    const input = new WritableStream<string>({
      write: (chunk) => {
        lines.push(chunk);
        wake?.();
      },
    });
    let kill!: () => void;
    const killed = new Promise<void>((resolve) => (kill = resolve));
    const inputIterable: AsyncIterable<string> = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (lines.length) yield lines.shift()!;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    };
    const exit = Promise.race([
      program({ args, env, files: this.files, print: (text) => emit.enqueue(text), input: inputIterable, killed }),
      killed.then(() => 143),
    ]).finally(() => {
      emit.close();
      this.running.delete(process);
    });
    const process: ProcessLike = { exit, input, output, kill, resize: () => undefined };
    this.running.add(process);
    return process;
  }
}
