/**
 * What the lab's runtime is doing: whether it could start, whether the learner's app is running, and
 * whether a check run is under way. In memory only; every page load connects afresh.
 */
import { atom, type ReadableAtom } from 'nanostores';

export type RuntimePhase = 'connecting' | 'ready' | 'reconnecting' | 'unavailable' | 'failed';
export type AppPhase = 'stopped' | 'starting' | 'running' | 'stopping';

/** How an app run ended. */
export interface AppExit {
  code: number | null;
  /** The signal that ended it, when the runtime says. */
  signal?: string | null;
  /** Milliseconds from Stop to the end, when the learner pressed Stop. */
  ms?: number | null;
  /** True when it ended because the learner pressed Stop (or started another run). */
  stopped?: boolean;
}

export interface RunState {
  runtime: RuntimePhase;
  /** Which adapter serves this page, once known. */
  adapter: 'local' | 'webcontainer' | null;
  /** Why the runtime is unavailable or failed, written for the learner. */
  message: string | null;
  /** What the learner can do instead. */
  remedy: string | null;
  app: AppPhase;
  checking: boolean;
  /** The exit of the last app run, shown in the status line. */
  lastExit: AppExit | null;
  /** Where the running app answers in the learner's browser, once the runtime says so; null otherwise. */
  appUrl: string | null;
  /** True when the runtime went away after connecting and only reloading the page can reconnect. */
  reload: boolean;
  /** What the runtime is doing while it connects, when that takes a while (e.g. booting WebContainer). */
  progress: string | null;
  /**
   * A problem the runtime reported after connecting that the learner must act on (a process that ignored
   * Stop, an error of the runtime itself); `restart` when restarting the lab runtime may fix it.
   */
  problem: { message: string; restart: boolean } | null;
}

export interface RunStore {
  readonly state: ReadableAtom<RunState>;
  connected(adapter: 'local' | 'webcontainer'): void;
  unavailable(message: string, remedy: string): void;
  failed(message: string): void;
  /** The runtime went away after connecting (the course server restarted or stopped). */
  lost(message: string): void;
  /** The connection broke and the runtime is reconnecting by itself; running processes are gone. */
  disconnected(message: string): void;
  app(phase: AppPhase, exit?: AppExit): void;
  checking(on: boolean): void;
  /** The running app's address; ignored unless the app is starting or running. */
  appUrl(url: string): void;
  /** Progress while connecting; ignored once connected. */
  progress(message: string): void;
  /** Sets or clears the runtime's problem. */
  problem(problem: RunState['problem']): void;
}

export function createRunStore(): RunStore {
  const state = atom<RunState>({
    runtime: 'connecting',
    adapter: null,
    message: null,
    remedy: null,
    app: 'stopped',
    checking: false,
    lastExit: null,
    appUrl: null,
    reload: false,
    progress: null,
    problem: null,
  });
  const update = (change: Partial<RunState>): void => state.set({ ...state.get(), ...change });
  return {
    state,
    connected: (adapter) => update({ runtime: 'ready', adapter, message: null, remedy: null, progress: null, reload: false }),
    unavailable: (message, remedy) => update({ runtime: 'unavailable', message, remedy, app: 'stopped', checking: false, appUrl: null, progress: null }),
    failed: (message) => update({ runtime: 'failed', message, remedy: null, app: 'stopped', checking: false, appUrl: null, progress: null }),
    disconnected: (message) => update({ runtime: 'reconnecting', message, remedy: null, app: 'stopped', checking: false, appUrl: null, progress: null, reload: false }),
    lost: (message) => update({ runtime: 'unavailable', message, remedy: '', app: 'stopped', checking: false, appUrl: null, reload: true }),
    // Any change of the app's phase forgets its address: a restarted app announces its own again.
    app: (phase, exit) => update({ app: phase, appUrl: phase === 'running' ? state.get().appUrl : null, ...(exit ? { lastExit: exit } : {}) }),
    checking: (on) => update({ checking: on }),
    appUrl: (url) => {
      const { app } = state.get();
      if (app === 'starting' || app === 'running') update({ appUrl: url });
    },
    progress: (message) => {
      if (state.get().runtime === 'connecting') update({ progress: message });
    },
    problem: (problem) => update({ problem }),
  };
}

/** The signal behind an exit: as reported, or read from the code the launcher gives (128 + its number). */
function endingSignal(exit: AppExit): string | null {
  return exit.signal ?? ({ 130: 'SIGINT', 137: 'SIGKILL', 143: 'SIGTERM' } as Record<number, string>)[exit.code ?? -1] ?? null;
}

/**
 * How the app ended, in words. `short` for the status line ("app stopped: exit code 0 after 0.4 s"),
 * `long` for the terminal, which also says what that means for a process a platform stops.
 */
export function describeExit(exit: AppExit, form: 'short' | 'long' = 'short'): string {
  const signal = endingSignal(exit);
  const after = exit.ms === null || exit.ms === undefined ? '' : ` after ${(exit.ms / 1000).toFixed(1)} s`;
  const code = exit.code === null ? '' : `exit code ${exit.code}`;
  if (form === 'short') {
    const how = signal ? `killed by ${signal}${code ? ` (${code})` : ''}` : code || 'ended';
    return `${exit.stopped ? 'app stopped' : 'app exited'}: ${how}${after}`;
  }
  if (!exit.stopped) return `app exited${signal ? `: killed by ${signal}` : exit.code === null ? '' : ` with code ${exit.code}`}`;
  if (signal === 'SIGKILL') return `app stopped: Stop sent SIGTERM; the app was still running${after}, so it was killed with SIGKILL`;
  if (signal) return `app stopped: Stop sent SIGTERM, which ended the app${after}${code ? ` (${code})` : ''}: no handler of its own saw it through`;
  return `app stopped: Stop sent SIGTERM; the app exited${exit.code === null ? '' : ` with code ${exit.code}`}${after}`;
}
