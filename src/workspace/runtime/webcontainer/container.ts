/**
 * The part of `@webcontainer/api` 1.6 the adapter uses, typed structurally so unit tests can drive the
 * adapter with an in-memory fake (tests/unit/workspace/fake-webcontainer.ts) and ./boot.ts can hand it the
 * real thing. What the API's documentation, types and public issues say about each member, and where the
 * adapter must not trust it, is noted beside it.
 */
import type { TreeLike } from './tree.ts';

export interface ProcessLike {
  /** The exit code. The one reliable sign that a process ended. */
  exit: Promise<number>;
  input: WritableStream<string>;
  /**
   * Terminal output of the process and its descendants. May stay open after the process exited, so
   * nothing may wait for it to close without a bound.
   */
  output: ReadableStream<string>;
  /**
   * Takes no signal, and a process busy in a loop ignores it (stackblitz/webcontainer-core#1121); a
   * process it does reach is not known to run its `SIGTERM` handler. Only `teardown` ends everything.
   */
  kill(): void;
  resize(dimensions: { cols: number; rows: number }): void;
}

export interface SpawnOptionsLike {
  terminal?: { cols: number; rows: number };
  env?: Record<string, string>;
}

export type ServerReadyListener = (port: number, url: string) => void;
export type PortListener = (port: number, type: 'open' | 'close', url: string) => void;
export type ErrorListener = (error: { message: string }) => void;

export interface WebContainerLike {
  fs: {
    writeFile(path: string, data: string): Promise<void>;
    mkdir(path: string, options: { recursive: true }): Promise<string>;
  };
  /** A snapshot's bytes are transferred to the runtime: the caller's buffer is unusable afterwards. */
  mount(tree: TreeLike | Uint8Array): Promise<void>;
  spawn(command: string, args: string[], options?: SpawnOptionsLike): Promise<ProcessLike>;
  /**
   * `server-ready` fires for every server that answers and `port` for every port opened or closed — the
   * embedded Redis and servers the checker starts as much as the app. `error` reports internal errors
   * (for instance when the browser blocks the third-party storage the runtime needs). Each returns an
   * unsubscribe function.
   */
  on(event: 'server-ready', listener: ServerReadyListener): () => void;
  on(event: 'port', listener: PortListener): () => void;
  on(event: 'error', listener: ErrorListener): () => void;
  /** Ends every process and frees the runtime; the page may boot a new one afterwards. */
  teardown(): void;
}
