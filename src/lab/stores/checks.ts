/**
 * The latest check run of a lab: one row per planned check with its live status, the checker's words,
 * the transcript, and the sentence announced to screen readers. Held in memory only: a reload starts
 * with no verdict shown, while "passed" itself is kept by the progress store.
 */
import { atom, type ReadableAtom } from 'nanostores';
import type { CheckEvent, DoneEvent } from '../runtime/types.ts';

export type RowStatus = 'pending' | 'running' | 'pass' | 'fail' | 'error';

export interface CheckRow {
  id: string;
  title: string;
  status: RowStatus;
  message: string | null;
  expected: string | null;
  actual: string | null;
  hints: string[];
  /** How many hints the learner has unlocked; they open one at a time. */
  hintsShown: number;
  ms: number | null;
}

export interface TranscriptLine {
  check: string;
  source: 'checker' | 'app';
  text: string;
}

export interface ChecksState {
  /** Counts check runs on this page, so each announcement differs from the previous one. */
  run: number;
  phase: 'idle' | 'running' | 'done' | 'failed';
  rows: CheckRow[];
  transcript: TranscriptLine[];
  done: DoneEvent | null;
  /** Why the run could not finish (runtime failure, cancelled), in words for the learner. */
  problem: string | null;
  announcement: string;
}

export interface ChecksStore {
  readonly state: ReadableAtom<ChecksState>;
  begin(): void;
  apply(event: CheckEvent): void;
  fail(problem: string): void;
  showNextHint(checkId: string): void;
}

/** Keeps the transcript bounded so a chatty app cannot exhaust the page's memory. */
const TRANSCRIPT_LIMIT = 2000;

const IDLE: ChecksState = { run: 0, phase: 'idle', rows: [], transcript: [], done: null, problem: null, announcement: '' };

function announce(run: number, rows: CheckRow[], done: DoneEvent): string {
  const total = rows.length || done.passed + done.failed + done.errored;
  if (done.status === 'pass') return `Check run ${run}: all ${total} checks passed. Lab complete.`;
  const open = rows.filter((row) => row.status === 'fail' || row.status === 'error').map((row) => row.title);
  return `Check run ${run}: ${done.passed} of ${total} checks passed. Still to fix: ${open.join('; ') || 'see the checks panel'}.`;
}

function startNext(rows: CheckRow[]): CheckRow[] {
  const next = rows.findIndex((row) => row.status === 'pending');
  return next === -1 ? rows : rows.map((row, i) => (i === next ? { ...row, status: 'running' } : row));
}

export function createChecksStore(): ChecksStore {
  const state = atom<ChecksState>(IDLE);
  const update = (change: Partial<ChecksState>): void => state.set({ ...state.get(), ...change });

  return {
    state,
    begin() {
      const { run, rows } = state.get();
      // Rows of the previous run stay visible as "pending" so the panel does not jump while the checker starts.
      const pending = rows.map((row) => ({ ...row, status: 'pending' as const, message: null, expected: null, actual: null, ms: null }));
      state.set({ ...IDLE, run: run + 1, phase: 'running', rows: pending, announcement: `Check run ${run + 1} started.` });
    },
    apply(event) {
      const current = state.get();
      if (current.phase !== 'running') return;
      switch (event.type) {
        case 'plan': {
          const previous = new Map(current.rows.map((row) => [row.id, row]));
          const rows = event.checks.map(({ id, title }) => ({
            id,
            title,
            status: 'pending' as const,
            message: null,
            expected: null,
            actual: null,
            hints: previous.get(id)?.hints ?? [],
            hintsShown: previous.get(id)?.hintsShown ?? 0,
            ms: null,
          }));
          update({ rows: startNext(rows) });
          break;
        }
        case 'log': {
          const transcript = [...current.transcript, { check: event.check, source: event.source, text: event.text }];
          update({ transcript: transcript.length > TRANSCRIPT_LIMIT ? transcript.slice(-TRANSCRIPT_LIMIT) : transcript });
          break;
        }
        case 'result': {
          const known = current.rows.some((row) => row.id === event.check);
          const base: CheckRow[] = known
            ? current.rows
            : [...current.rows, { id: event.check, title: event.check, status: 'pending', message: null, expected: null, actual: null, hints: [], hintsShown: 0, ms: null }];
          const rows = base.map((row) =>
            row.id === event.check
              ? {
                  ...row,
                  status: event.status,
                  message: event.message,
                  expected: event.expected ?? null,
                  actual: event.actual ?? null,
                  hints: event.hints,
                  hintsShown: Math.min(row.hintsShown, event.hints.length),
                  ms: event.ms,
                }
              : row,
          );
          update({ rows: startNext(rows) });
          break;
        }
        case 'done': {
          // A check the checker planned but never reported did not run: say so rather than leave it spinning.
          const rows = current.rows.map((row) =>
            row.status === 'pending' || row.status === 'running'
              ? { ...row, status: 'error' as const, message: 'The checker stopped before running this check.' }
              : row,
          );
          update({ rows, phase: 'done', done: event, announcement: announce(current.run, rows, event) });
          break;
        }
      }
    },
    fail(problem) {
      const current = state.get();
      const rows = current.rows.map((row) => (row.status === 'running' ? { ...row, status: 'pending' as const } : row));
      update({ rows, phase: 'failed', problem, announcement: `Check run ${current.run} could not finish: ${problem}` });
    },
    showNextHint(checkId) {
      const current = state.get();
      update({
        rows: current.rows.map((row) =>
          row.id === checkId ? { ...row, hintsShown: Math.min(row.hintsShown + 1, row.hints.length) } : row,
        ),
      });
    },
  };
}
