/**
 * The lab's one Redis inside WebContainer: the kit's embedded server (`node .lab/_kit/redis-server.mjs`),
 * started the first time a command needs it and shared by everything after: the shell and one-off tasks
 * get it as REDIS_URL, Run as LAB_SESSION_REDIS_URL (the launcher hands it to the app as REDIS_URL). So the
 * count Run's app keeps is the one an admin task resets. Stop leaves it running; a restart of the runtime
 * ends it with everything else, and the next command starts a fresh one.
 *
 * The server says it listens with one line, `{"msg":"redis ready","url":"redis://…"}`. Its output stream may
 * never close (see ./container.ts), so it is read for as long as the server runs, and the wait for that
 * line is bounded: a server that does not start costs each command at most one wait, then none until a
 * restart, and commands run without it.
 */
import type { ProcessLike, WebContainerLike } from './container.ts';
import { follow, type Followed } from './follow.ts';

/** Where the lab's hidden files put the kit's server, relative to the workspace root. */
export const REDIS_SCRIPT = '.lab/_kit/redis-server.mjs';

const READY = /"msg"\s*:\s*"redis ready"\s*,\s*"url"\s*:\s*"(redis:\/\/[^"]+)"/;

export interface SessionRedisOptions {
  /** The environment the server process gets (the adapter's LAB_ENV). */
  env: Record<string, string>;
  /** How long the server may take to say it is ready. */
  startMs: number;
  /** After the server's exit, how long its last output may take to arrive. */
  drainMs: number;
  /** Hears, for the learner, that the server could not start. */
  onProblem: (message: string) => void;
}

export class SessionRedis {
  readonly #options: SessionRedisOptions;
  /** The server's URL, or null when it could not start; the field is null before the first need in this container. */
  #url: Promise<string | null> | null = null;
  #process: ProcessLike | null = null;
  #followed: Followed | null = null;
  /** Counts resets: a start that began before the latest one belongs to a container that is gone. */
  #generation = 0;

  constructor(options: SessionRedisOptions) {
    this.#options = options;
  }

  /**
   * The server's URL, starting it in `container` on first need; null when the workspace has no server
   * script or the server did not start (the learner has been told).
   */
  url(container: WebContainerLike, available: boolean): Promise<string | null> {
    if (!available) return Promise.resolve(null);
    this.#url ??= this.#start(container);
    return this.#url;
  }

  /** The runtime was torn down, and the server with it: the next command starts a new one. */
  reset(): void {
    this.#generation += 1;
    this.#followed?.stop();
    this.#followed = null;
    this.#process = null;
    this.#url = null;
  }

  /** Ends the server (the runtime is being disposed). */
  stop(): void {
    try {
      this.#process?.kill();
    } catch {
      // Already gone with the runtime.
    }
    this.reset();
  }

  async #start(container: WebContainerLike): Promise<string | null> {
    const generation = this.#generation;
    let process: ProcessLike;
    try {
      process = await container.spawn('node', [REDIS_SCRIPT], { env: { ...this.#options.env } });
    } catch (error) {
      return this.#failed(generation, `it could not be started: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Torn down while spawning: this server belongs to a container that is gone.
    if (generation !== this.#generation) return null;
    this.#process = process;
    let output = '';
    let onReady: (url: string) => void = () => undefined;
    const ready = new Promise<string>((resolve) => (onReady = resolve));
    const followed = follow(
      process,
      (chunk) => {
        if (output.length < 4_000) output += chunk;
        const url = READY.exec(output)?.[1];
        if (url) onReady(url);
      },
      this.#options.drainMs,
    );
    this.#followed = followed;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      ready.then((url) => ({ url })),
      followed.finished.then((code) => ({ why: `it exited with code ${code}` })),
      new Promise<{ why: string }>((resolve) => (timer = setTimeout(() => resolve({ why: `it did not say it was ready within ${this.#options.startMs / 1000} s` }), this.#options.startMs))),
    ]).finally(() => clearTimeout(timer));
    if (generation !== this.#generation) return null; // reset meanwhile: nothing to report about a container that is gone
    if ('url' in outcome) {
      // A server that ends later (it crashed) is started again by the next command that needs one.
      void followed.finished.then(() => {
        if (generation === this.#generation) this.reset();
      });
      return outcome.url;
    }
    try {
      process.kill();
    } catch {
      // Gone already.
    }
    const said = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim().split(/\r?\n/).slice(-2).join(' ').slice(0, 300);
    return this.#failed(generation, `${outcome.why}${said ? `: ${said}` : ''}`);
  }

  #failed(generation: number, why: string): null {
    if (generation !== this.#generation) return null;
    this.#followed?.stop();
    this.#followed = null;
    this.#process = null;
    // Remembered (#url keeps resolving to null) until a restart: else every later command would wait again.
    this.#options.onProblem(
      `This lab's Redis did not start (${why}). Commands and the terminal run without REDIS_URL, and Run starts a Redis of its own that they do not share. Restart the lab runtime to try again; your files are kept.`,
    );
    return null;
  }
}
