/**
 * The processes the adapter started, and how it stops them. WebContainer has no process groups and its
 * `kill()` takes no signal, so a stop is what a learner would do: Ctrl-C through the process's terminal
 * first, which lets the launcher or the checker stop what it started, then `kill()`. A process still
 * running after the bound (busy in a loop, which nothing but a teardown ends) is reported, and left to a
 * restart of the runtime.
 */
import { StopTimeoutError } from '../types.ts';
import type { ProcessLike } from './container.ts';
import { settleWithin } from './follow.ts';

export interface Tracked {
  /** Sends Ctrl-C through the process's terminal. */
  interrupt(): void;
  /** Settles whoever waits on the process when the runtime is torn down under it. */
  abandon(): void;
}

export class ProcessTable {
  readonly #bounds: { graceMs: number; stopMs: number };
  readonly #onStuck: (message: string) => void;
  readonly #processes = new Map<ProcessLike, Tracked & { stopping: Promise<void> | null }>();

  /** `onStuck` hears, for the learner, about a process that outlived its stop. */
  constructor(bounds: { graceMs: number; stopMs: number }, onStuck: (message: string) => void) {
    this.#bounds = bounds;
    this.#onStuck = onStuck;
  }

  /** Starts tracking `process`; a run passes its own Ctrl-C (it holds the terminal's writer). */
  track(process: ProcessLike, tracked: Partial<Tracked> = {}): void {
    let writer: WritableStreamDefaultWriter<string> | null = null;
    const interrupt = (): void => {
      writer ??= process.input.locked ? null : process.input.getWriter();
      writer?.write('\x03').catch(() => undefined);
    };
    this.#processes.set(process, { interrupt, abandon: () => undefined, stopping: null, ...tracked });
  }

  has(process: ProcessLike): boolean {
    return this.#processes.has(process);
  }

  /** Forgets a process that ended by itself. */
  ended(process: ProcessLike): void {
    this.#processes.delete(process);
  }

  /** Stops `process`; rejects with `StopTimeoutError` when it is still running after the bound. Two callers share one stop. */
  stop(process: ProcessLike): Promise<void> {
    const tracked = this.#processes.get(process);
    if (!tracked) return Promise.resolve();
    const { graceMs, stopMs } = this.#bounds;
    tracked.stopping ??= (async () => {
      tracked.interrupt();
      if (!(await settleWithin(process.exit, graceMs))) {
        try {
          process.kill();
        } catch {
          // The runtime is gone, and the process with it.
        }
        if (!(await settleWithin(process.exit, stopMs))) {
          tracked.stopping = null;
          const text = `A process of this lab is still running ${Math.round((graceMs + stopMs) / 1000)} s after it was told to stop: it is probably busy in a loop, which the in-browser runtime cannot interrupt. Restart the lab runtime to end it; your files are kept.`;
          this.#onStuck(text);
          throw new StopTimeoutError(text);
        }
      }
      this.#processes.delete(process);
    })();
    return tracked.stopping;
  }

  /** Stops every process; rejects like `stop` when any of them outlives it. */
  async stopAll(): Promise<void> {
    const results = await Promise.allSettled([...this.#processes.keys()].map((process) => this.stop(process)));
    const stuck = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (stuck) throw stuck.reason;
  }

  /** The runtime was torn down, and every process with it. */
  abandonAll(): void {
    for (const tracked of this.#processes.values()) tracked.abandon();
    this.#processes.clear();
  }
}
