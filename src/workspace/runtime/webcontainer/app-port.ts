/**
 * Which address "Open app" gets. WebContainer reports every port a process opens (`port`) and every
 * server that answers (`server-ready`): the embedded Redis, the app, servers the checker starts, all on
 * one page-wide channel. Only the app's own port counts, and the app's port is the one the launcher
 * announces in the run's output ("[lab] The visitor counter answers at http://localhost:3000/", see
 * ../app-url.ts). The container's events and the announcement arrive in either order.
 */
import { spotAppUrl } from '../app-url.ts';
import type { WebContainerLike } from './container.ts';

export interface AppPortWatch {
  /** Feed the run's output here. */
  feed(chunk: string): void;
  /** The port the run announced last, if any. */
  readonly port: number | null;
  /** The run ended or was replaced: nothing is reported afterwards. */
  dispose(): void;
}

export class PortMap {
  /** Port → the address WebContainer serves it at, for every port open now. */
  readonly #open = new Map<number, string>();
  readonly #watches = new Set<{ port: number | null; notify: (url: string) => void }>();
  readonly #closing = new Map<number, Set<() => void>>();

  /** Listens to `container`'s port events; returns the unsubscribe function. */
  attach(container: WebContainerLike): () => void {
    const offReady = container.on('server-ready', (port, url) => this.#opened(port, url));
    const offPort = container.on('port', (port, type, url) => (type === 'open' ? this.#opened(port, url) : this.#closed(port)));
    return () => {
      offReady();
      offPort();
      for (const port of [...this.#open.keys()]) this.#closed(port);
    };
  }

  /** Follows one run's output; `onUrl` gets the container's address of each port the run announces. */
  watch(onUrl: (url: string) => void): AppPortWatch {
    const watch = { port: null as number | null, notify: onUrl };
    this.#watches.add(watch);
    const spot = spotAppUrl((announced) => {
      const port = portOf(announced);
      if (port === null || !this.#watches.has(watch)) return;
      watch.port = port;
      const url = this.#open.get(port);
      if (url) onUrl(url);
    });
    return {
      feed: spot,
      get port() {
        return watch.port;
      },
      dispose: () => void this.#watches.delete(watch),
    };
  }

  /** Resolves true once `port` is closed (at once if it is), false if it is still open after `ms`. */
  whenClosed(port: number, ms: number): Promise<boolean> {
    if (!this.#open.has(port)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiting = this.#closing.get(port) ?? new Set();
      this.#closing.set(port, waiting);
      const done = (closed: boolean): void => {
        clearTimeout(timer);
        waiting.delete(onClose);
        resolve(closed);
      };
      const onClose = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      waiting.add(onClose);
    });
  }

  #closed(port: number): void {
    this.#open.delete(port);
    for (const onClose of [...(this.#closing.get(port) ?? [])]) onClose();
  }

  #opened(port: number, url: string): void {
    const known = this.#open.get(port);
    this.#open.set(port, url);
    if (known === url) return;
    for (const watch of this.#watches) if (watch.port === port) watch.notify(url);
  }
}

function portOf(url: string): number | null {
  try {
    const parsed = new URL(url);
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}
