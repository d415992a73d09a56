/**
 * Booting WebContainer, as the learner sees it: progress in the status line while it takes time, a bound
 * after which they are told what went wrong and what to do, and the messages for each way it fails.
 */
import { RuntimeUnavailableError, type RuntimeStatus } from '../types.ts';
import { whenAborted } from './follow.ts';

export const WEBCONTAINER_REMEDY =
  'Run the course on your own computer instead: clone its repository, run “npm start” and open the address it prints. The labs then run as ordinary Node processes, in any browser.';

/** What blocks WebContainer most often, and how to allow it (from StackBlitz's browser configuration guide). */
export const BROWSER_SETTINGS_HINT =
  'Browser settings that block third-party cookies or storage (Brave Shields, strict tracking protection, some privacy extensions) stop it: allow [*.]stackblitz.io and [*.]webcontainer.io, then reload.';

export function notIsolated(): RuntimeUnavailableError {
  return new RuntimeUnavailableError(
    'This browser cannot run the labs in the page: the in-browser Node runtime needs a cross-origin-isolated page with SharedArrayBuffer, which it does not have here.',
    WEBCONTAINER_REMEDY,
  );
}

export function bootFailed(error: unknown): RuntimeUnavailableError {
  const cause = error instanceof Error ? error.message : String(error);
  return new RuntimeUnavailableError(`The in-browser Node runtime failed to start: ${cause}. ${BROWSER_SETTINGS_HINT}`, WEBCONTAINER_REMEDY);
}

export function runtimeError(message: string): RuntimeStatus {
  return {
    kind: 'problem',
    message: `The in-browser Node runtime reported an error: ${message}. ${BROWSER_SETTINGS_HINT} Restarting the lab runtime may help; your files are kept.`,
    restart: true,
  };
}

/**
 * The bound on a start-up: `within(step)` settles like `step`, or rejects once `bootMs` passed since the
 * start-up began or `signal` aborted. Meanwhile `onStatus` hears how long it has waited, every
 * `progressEveryMs`. `dispose()` stops the clock.
 */
export function startupClock(
  bounds: { bootMs: number; progressEveryMs: number },
  onStatus: (status: RuntimeStatus) => void,
  signal?: AbortSignal,
): { within<T>(step: Promise<T>): Promise<T>; dispose(): void } {
  const started = Date.now();
  const limit = Math.round(bounds.bootMs / 1000);
  const progress = (): void => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const waited = seconds >= 1 ? ` (${seconds} s; it may take up to ${limit} s)` : '';
    onStatus({ kind: 'progress', message: `Starting the in-browser Node runtime…${waited}` });
  };
  progress();
  const ticker = setInterval(progress, bounds.progressEveryMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const message = `The in-browser Node runtime did not start within ${limit} seconds. It loads from StackBlitz's servers, which this network may not reach. ${BROWSER_SETTINGS_HINT}`;
    timer = setTimeout(() => reject(new RuntimeUnavailableError(message, WEBCONTAINER_REMEDY)), bounds.bootMs);
  });
  deadline.catch(() => undefined);
  const aborted = whenAborted(signal);
  return {
    within: (step) => Promise.race([step, deadline, aborted.promise]),
    dispose: () => {
      clearInterval(ticker);
      clearTimeout(timer);
      aborted.dispose();
    },
  };
}
