/**
 * Reading the checker's verdict from a WebContainer process: protocol events go to `onEvent` as they
 * arrive, and the run counts as over at the checker's exit (plus the drain, see ./follow.ts), or a bound
 * after its `done` event when the checker lingers past it (a process it started keeps it alive, say):
 * the verdict is what the learner waits for.
 */
import { parseCheckEvent } from '../../../lab-model/check-events.ts';
import { lineSplitter } from '../ndjson.ts';
import type { CheckEvent, DoneEvent } from '../types.ts';
import type { ProcessLike } from './container.ts';
import { follow, settleWithin } from './follow.ts';

export interface CheckOutcome {
  /** The exit code; null when the checker was still running a bound after its verdict. */
  code: number | null;
  done: DoneEvent | null;
  /** Output that was not protocol (a crash's stack trace, say), for the message when no verdict came. */
  other: string;
}

export function readVerdict(
  process: ProcessLike,
  onEvent: (event: CheckEvent) => void,
  bounds: { drainMs: number; verdictExitMs: number },
): { outcome: Promise<CheckOutcome>; stop(): void } {
  let done: DoneEvent | null = null;
  let verdict = (): void => undefined;
  const verdictSeen = new Promise<void>((resolve) => (verdict = resolve));
  let other = '';
  const lines = lineSplitter((line) => {
    const event = parseCheckEvent(line);
    if (!event) other += `${line}\n`;
    else if (event.type === 'done') {
      done = event;
      verdict();
    } else onEvent(event);
  });
  const followed = follow(process, (chunk) => lines.push(chunk), bounds.drainMs);
  const lingering = verdictSeen.then(async () => ((await settleWithin(followed.finished, bounds.verdictExitMs)) ? new Promise<never>(() => undefined) : null));
  const outcome = Promise.race([followed.finished, lingering]).then((code) => {
    lines.end();
    return { code, done: done as DoneEvent | null, other };
  });
  return { outcome, stop: followed.stop };
}
