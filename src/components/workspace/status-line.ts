/**
 * The lab's one-line status ("Ready", "Starting your app…", "Your app is running"). The app counts as
 * running only once the runtime has heard it answer (the launcher's announcement, WebContainer's
 * server-ready): a process that spins in a loop or never listens is not "running" to a learner.
 */
import type { ReadableAtom } from 'nanostores';
import { describeExit, type RunState } from '../../workspace/stores/run.ts';

/** How long a started app may stay silent before the status says so; the launcher gives up as long. */
export const ANSWER_WAIT_MS = 10_000;

export interface StatusContext {
  /** The label of the task the learner started from the Run menu; null for Run itself. */
  task: string | null;
  /** True once the app has run for ANSWER_WAIT_MS without answering. */
  quiet: boolean;
}

export function statusText(state: RunState, { task, quiet }: StatusContext): string {
  if (state.runtime === 'connecting') return state.progress ?? 'Starting the lab…';
  if (state.runtime === 'reconnecting') return 'Disconnected from the course server · reconnecting…';
  if (state.runtime === 'unavailable') return state.reload ? 'Disconnected from the course server' : 'Lab unavailable in this browser';
  if (state.runtime === 'failed') return 'Lab could not start';
  if (state.checking) return 'Checking…';
  if (state.app === 'stopping') return 'Stopping…';
  // A task may run anything (a command that is meant to fail, say), so it is named rather than judged.
  if (task !== null && (state.app === 'starting' || state.app === 'running')) return `Running: ${task}`;
  if (state.app === 'starting') return 'Starting your app…';
  if (state.app === 'running') {
    if (state.appUrl !== null) return 'Your app is running';
    return quiet ? 'Your app is running but not answering on its port yet' : 'Starting your app…';
  }
  // After Stop, how the app ended stays in view: it is what the Disposability lab is about.
  if (state.lastExit?.stopped) return `Ready · ${describeExit(state.lastExit)}`;
  return state.adapter === 'local' ? 'Ready · runs on your computer' : 'Ready · runs in your browser';
}

/**
 * Keeps `element`'s text in step with the run store, and starts the silence clock when an app starts
 * (every start goes through `stopped`, so a restart starts it afresh). `task()` names the task, if any,
 * that started the current run. Returns the unsubscribe function.
 */
export function bindStatus(store: ReadableAtom<RunState>, element: { textContent: string | null }, task: () => string | null, waitMs = ANSWER_WAIT_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let quiet = false;
  const render = (state: RunState): void => {
    const waiting = state.app === 'starting' || (state.app === 'running' && state.appUrl === null);
    if (!waiting) {
      if (timer) clearTimeout(timer);
      timer = null;
      quiet = false;
    } else if (timer === null && !quiet) {
      timer = setTimeout(() => {
        timer = null;
        quiet = true;
        render(store.get());
      }, waitMs);
    }
    element.textContent = statusText(state, { task: task(), quiet });
  };
  const unsubscribe = store.subscribe(render);
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
}
