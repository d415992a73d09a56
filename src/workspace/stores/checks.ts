/**
 * The latest check run of a lab: one row per planned check with its live status, the checker's words,
 * the transcript, and the sentence announced to screen readers.
 *
 * Persisted shape — localStorage key `tfl:lab:<lab id>:checks`, written when a run ends and when a hint
 * is unlocked:
 *   { "v": 1, "at": "<ISO time the run ended>", "done": DoneEvent, "rows": CheckRow[], "files"?: "<fingerprint>" }
 * The transcript is not kept (it can be long, and it describes a run the page no longer shows live).
 * A reload shows the stored rows with `restoredAt` set; the next Check replaces them.
 *
 * Results describe the files they were run on. Whoever knows the learner's files reports each version
 * through `filesChanged(fingerprint(files))`; a run records the version it started on, and the results
 * are `stale` whenever the files differ from it (an edit after the run, or during it). Undoing the edit
 * makes them current again.
 */
import { atom, type ReadableAtom } from 'nanostores';
import type { CheckEvent, DoneEvent } from '../runtime/types.ts';
import { browserStorage, readJson, StorageFailure, writeJson, type KeyValueStorage } from './storage.ts';

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
  /** When the shown results come from a run of an earlier visit (ISO time); null for this page's runs. */
  restoredAt: string | null;
  /** True when the learner's files changed since the run these results come from. */
  stale: boolean;
}

export interface ChecksStore {
  readonly state: ReadableAtom<ChecksState>;
  begin(): void;
  apply(event: CheckEvent): void;
  fail(problem: string): void;
  /**
   * Ends a run that never reached the checker (the runtime went away) without showing a verdict: the
   * previous run's rows come back as they were, and only the announcement says what happened.
   */
  abandon(problem: string): void;
  showNextHint(checkId: string): void;
  /** Tells the store the learner's current files (see `fingerprint`); marks the results stale or current. */
  filesChanged(files: string): void;
}

/** A short, stable summary of a set of files: equal files give equal fingerprints. FNV-1a, 2 × 32 bits. */
export function fingerprint(files: Record<string, string>): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  const text = JSON.stringify(Object.keys(files).sort().map((path) => [path, files[path]]));
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x5bd1e995) >>> 0;
  }
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}:${text.length}`;
}

export interface ChecksStoreOptions {
  lab: string;
  /** Defaults to the page's localStorage; without one, results last as long as the page. */
  storage?: KeyValueStorage | StorageFailure;
  /** Told when results cannot be stored; the run itself is unaffected. */
  onSaveFailed?: (failure: StorageFailure) => void;
}

export const checksKey = (lab: string): string => `tfl:lab:${lab}:checks`;

interface Persisted {
  v: 1;
  at: string;
  done: DoneEvent;
  rows: CheckRow[];
  /** The fingerprint of the files the run checked; absent in results stored before it existed. */
  files?: string;
}

const STATUSES = new Set(['pending', 'running', 'pass', 'fail', 'error']);
const text = (value: unknown): value is string | null => value === null || typeof value === 'string';

function isRow(value: unknown): value is CheckRow {
  const row = value as Partial<CheckRow> | null;
  return (
    typeof row === 'object' && row !== null && typeof row.id === 'string' && typeof row.title === 'string' &&
    STATUSES.has(row.status as string) && text(row.message) && text(row.expected) && text(row.actual) &&
    Array.isArray(row.hints) && row.hints.every((hint) => typeof hint === 'string') &&
    typeof row.hintsShown === 'number' && (row.ms === null || typeof row.ms === 'number')
  );
}

function loadLast(storage: KeyValueStorage | StorageFailure, lab: string): Persisted | null {
  if (storage instanceof StorageFailure) return null;
  const raw = readJson(storage, checksKey(lab)) as Partial<Persisted> | StorageFailure | undefined;
  // Unreadable results are only a convenience lost: the lab starts with no verdict, as before they existed.
  if (raw === undefined || raw instanceof StorageFailure || typeof raw !== 'object' || raw === null) return null;
  if (raw.v !== 1 || typeof raw.at !== 'string' || typeof raw.done !== 'object' || raw.done === null) return null;
  if (!Array.isArray(raw.rows) || !raw.rows.every(isRow)) return null;
  if (raw.files !== undefined && typeof raw.files !== 'string') return null;
  return raw as Persisted;
}

/** Keeps the transcript bounded so a chatty app cannot exhaust the page's memory. */
const TRANSCRIPT_LIMIT = 2000;

const IDLE: ChecksState = { run: 0, phase: 'idle', rows: [], transcript: [], done: null, problem: null, announcement: '', restoredAt: null, stale: false };

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

export function createChecksStore(options?: ChecksStoreOptions): ChecksStore {
  const storage = options ? (options.storage ?? browserStorage()) : null;
  const last = options && storage ? loadLast(storage, options.lab) : null;
  const state = atom<ChecksState>(last ? { ...IDLE, phase: 'done', rows: last.rows, done: last.done, restoredAt: last.at } : IDLE);
  const update = (change: Partial<ChecksState>): void => state.set({ ...state.get(), ...change });
  /** The learner's files as last reported, and the files the shown (or running) results were run on. */
  let currentFiles: string | null = null;
  // Results stored without a fingerprint cannot be matched to files: they count as current, as before.
  let checkedFiles: string | null = last ? (last.files ?? null) : null;
  const isStale = (): boolean => checkedFiles !== null && currentFiles !== null && checkedFiles !== currentFiles;
  /** The state before the current run began, and the files it described, for `abandon`. */
  let before: ChecksState | null = null;
  let beforeFiles: string | null = null;
  /** When the shown verdict's run ended. */
  let endedAt = last?.at ?? '';

  function persist(): void {
    const current = state.get();
    if (!options || !storage || current.phase !== 'done' || !current.done) return;
    if (storage instanceof StorageFailure) return;
    const record: Persisted = { v: 1, at: endedAt, done: current.done, rows: current.rows, ...(checkedFiles ? { files: checkedFiles } : {}) };
    const failure = writeJson(storage, checksKey(options.lab), record);
    if (failure) options.onSaveFailed?.(failure);
  }

  return {
    state,
    begin() {
      before = state.get();
      beforeFiles = checkedFiles;
      const { run, rows } = before;
      checkedFiles = currentFiles;
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
          update({ rows, phase: 'done', done: event, announcement: announce(current.run, rows, event), stale: isStale() });
          endedAt = new Date().toISOString();
          persist();
          break;
        }
      }
    },
    fail(problem) {
      const current = state.get();
      const rows = current.rows.map((row) => (row.status === 'running' ? { ...row, status: 'pending' as const } : row));
      update({ rows, phase: 'failed', problem, announcement: `Check run ${current.run} could not finish: ${problem}` });
    },
    abandon(problem) {
      const current = state.get();
      if (current.phase !== 'running') return;
      const previous = before ?? IDLE;
      checkedFiles = beforeFiles;
      state.set({ ...previous, run: current.run, announcement: `Check run ${current.run} could not start: ${problem}`, stale: isStale() });
    },
    filesChanged(files) {
      currentFiles = files;
      const current = state.get();
      // A running check keeps its verdict open; `done` compares the files when it arrives.
      if (current.phase === 'running' || current.phase === 'idle') return;
      const stale = isStale();
      if (stale !== current.stale) update({ stale });
    },
    showNextHint(checkId) {
      const current = state.get();
      update({
        rows: current.rows.map((row) =>
          row.id === checkId ? { ...row, hintsShown: Math.min(row.hintsShown + 1, row.hints.length) } : row,
        ),
      });
      persist();
    },
  };
}
