/**
 * Following a WebContainer process to its end. `exit` is the one reliable sign that it ended: its output
 * stream may stay open afterwards, so a process counts as finished at `exit` plus a short drain for output
 * still in flight, and then the reader is cancelled. Nothing here waits on the stream without a bound.
 */
import type { ProcessLike } from './container.ts';

export interface Followed {
  /** The exit code, once the process exited and its output drained (or the drain bound passed). */
  readonly finished: Promise<number>;
  /** Stops reading at once: no chunk is delivered afterwards. Safe to call more than once. */
  stop(): void;
}

export function follow(process: ProcessLike, onChunk: (chunk: string) => void, drainMs: number): Followed {
  const reader = process.output.getReader();
  let reading = true;
  const closed = (async (): Promise<void> => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || !reading) return;
        onChunk(value);
      }
    } catch {
      // Cancelled, or the runtime went away: there is nothing more to read either way.
    }
  })();
  const stop = (): void => {
    if (!reading) return;
    reading = false;
    reader.cancel().catch(() => undefined);
  };
  const finished = process.exit.then(async (code) => {
    await settleWithin(closed, drainMs);
    stop();
    return code;
  });
  return { finished, stop };
}

/** Waits for `promise` at most `ms`; resolves true when it settled in time. Leaves no timer behind. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Rejects with the signal's reason once it aborts (at once if it already has); never resolves. */
export function whenAborted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose(): void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}
