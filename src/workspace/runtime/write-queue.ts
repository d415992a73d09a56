/**
 * Sends the learner's edits to the runtime. Edits to one file collapse: while a write is waiting or in
 * flight, newer text for the same path replaces the waiting one, so a burst of keystrokes costs one or
 * two writes. `flush()` lets a run or a check start only once the runtime has the latest text.
 */
export interface WriteQueue {
  schedule(path: string, content: string): void;
  /** Starts any waiting writes now and resolves when every write has settled. */
  flush(): Promise<void>;
  /** Forgets waiting writes (the runtime is gone). */
  clear(): void;
}

export function createWriteQueue(
  write: (path: string, content: string) => Promise<void>,
  onError: (path: string, error: unknown) => void,
  delayMs = 120,
): WriteQueue {
  const waiting = new Map<string, string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let draining: Promise<void> | null = null;

  async function drain(): Promise<void> {
    for (let next = waiting.entries().next(); !next.done; next = waiting.entries().next()) {
      const [path, content] = next.value;
      waiting.delete(path);
      try {
        await write(path, content);
      } catch (error) {
        onError(path, error);
      }
    }
  }

  function start(): Promise<void> {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    draining ??= drain().finally(() => {
      draining = null;
      // Edits that arrived while the last write was in flight.
      if (waiting.size > 0) start();
    });
    return draining;
  }

  return {
    schedule(path, content) {
      waiting.set(path, content);
      if (draining === null && timer === null) timer = setTimeout(start, delayMs);
    },
    async flush() {
      while (waiting.size > 0 || draining !== null) await start();
    },
    clear() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      waiting.clear();
    },
  };
}
