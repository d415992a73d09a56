/*
 * The learner's saved progress, kept in the browser so the course works without accounts.
 *
 * localStorage key 'tfl:progress:v1' holds:
 *   { v: 1,
 *     labs: { [labId]: { status: 'in-progress' | 'passed', updatedAt: ISO, passedAt?: ISO } },
 *     last?: { chapter: 'NN-slug', at: ISO },
 *     read?: { [chapterId]: ISO } }
 * A lab enters the map when the learner first works on it and only ever moves up (passed is final).
 * `last` is rewritten on every chapter visit and feeds "continue where you left off". A chapter enters
 * `read` (with the first time) once the learner has scrolled to the end of its text, and stays there.
 * A chapter is finished when its lab passed, or, for a chapter without a lab, when it was read.
 * A missing key means a new learner. Export/import move the same shape between browsers.
 *
 * Framework-free and small on purpose: the landing and chapter pages inline it.
 */

export const PROGRESS_KEY = 'tfl:progress:v1';
const CHANGE_EVENT = 'tfl:progress-change';
const LAB_ID = /^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/;

export type LabStatus = 'not-started' | 'in-progress' | 'passed';
export type SavedLabStatus = Exclude<LabStatus, 'not-started'>;

export interface LabProgress {
  status: SavedLabStatus;
  /** When the status was last written (ISO 8601). */
  updatedAt: string;
  /** When the lab first passed (ISO 8601). */
  passedAt?: string;
}

export interface Progress {
  v: 1;
  labs: Record<string, LabProgress>;
  /** The chapter the learner opened most recently. */
  last?: { chapter: string; at: string };
  /** Chapters whose end the learner reached, with when that first happened (ISO 8601). */
  read?: Record<string, string>;
}

/** A chapter as progress needs it: its id and, when it has one, its lab's id. */
export interface CourseChapter {
  id: string;
  lab?: string | undefined;
}

/** Saved progress could not be read or written; `message` is written for the learner. */
export class ProgressStorageError extends Error {
  /** True when the saved data itself is unreadable: resetting or importing fixes it; nothing else will. */
  readonly damaged: boolean;
  /** True when the browser's storage for the site is full: freeing space fixes it; resetting barely helps. */
  readonly full: boolean;
  constructor(message: string, options?: { cause?: unknown; damaged?: boolean; full?: boolean }) {
    super(message, options);
    this.name = 'ProgressStorageError';
    this.damaged = options?.damaged ?? false;
    this.full = options?.full ?? false;
  }
}

/**
 * Dispatched on window when storage is full on a page with a lab: the lab's notice says it once, in
 * place of the page banner. The message is also left in `document.documentElement.dataset.storageFull`
 * for a lab that mounts later.
 */
export const STORAGE_FULL_EVENT = 'tfl:storage-full';

function resolveStorage(storage?: Storage): Storage {
  if (storage) return storage;
  try {
    // Reading `localStorage` itself throws in some privacy modes and sandboxed frames.
    const found = globalThis.localStorage;
    if (found) return found;
  } catch (cause) {
    throw new ProgressStorageError(
      'This browser blocks site storage, so progress cannot be saved. Allow site data for this page (or leave private mode) to keep your progress.',
      { cause },
    );
  }
  throw new ProgressStorageError('Progress can only be saved in a browser with localStorage.');
}

const empty = (): Progress => ({ v: 1, labs: {} });

const isIsoDate = (value: unknown): value is string =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** Checks an untrusted value against the stored shape; returns the problem, or null when it fits. */
function problemWith(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const p = value as Record<string, unknown>;
  if (p['v'] !== 1) {
    return p['v'] === undefined ? 'it has no version field ("v"); it does not look like an export of this course' : `its version ("v") is ${JSON.stringify(p['v'])}; only version 1 is understood`;
  }
  const labs = p['labs'];
  if (typeof labs !== 'object' || labs === null || Array.isArray(labs)) return '"labs" must be an object';
  for (const [id, entry] of Object.entries(labs)) {
    if (!LAB_ID.test(id)) return `"labs" has the key "${id}", which is not a lab id like "03-config"`;
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) return `labs["${id}"] must be an object`;
    if (e['status'] !== 'in-progress' && e['status'] !== 'passed')
      return `labs["${id}"].status must be "in-progress" or "passed"`;
    if (!isIsoDate(e['updatedAt'])) return `labs["${id}"].updatedAt must be a date`;
    if (e['passedAt'] !== undefined && !isIsoDate(e['passedAt'])) return `labs["${id}"].passedAt must be a date`;
  }
  const read = p['read'];
  if (read !== undefined) {
    if (typeof read !== 'object' || read === null || Array.isArray(read)) return '"read" must be an object';
    for (const [id, at] of Object.entries(read)) {
      if (!LAB_ID.test(id)) return `"read" has the key "${id}", which is not a chapter id like "03-config"`;
      if (!isIsoDate(at)) return `read["${id}"] must be a date`;
    }
  }
  const last = p['last'] as Record<string, unknown> | undefined;
  if (last !== undefined && (typeof last?.['chapter'] !== 'string' || !isIsoDate(last['at'])))
    return '"last" must hold a chapter id and a date';
  return null;
}

/** Reads saved progress; an empty record for a new learner. Throws ProgressStorageError if it cannot. */
export function readProgress(storage?: Storage): Progress {
  const store = resolveStorage(storage);
  let raw: string | null;
  try {
    raw = store.getItem(PROGRESS_KEY);
  } catch (cause) {
    throw new ProgressStorageError('Your saved progress could not be read: the browser refused access to site storage.', { cause });
  }
  if (raw === null) return empty();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ProgressStorageError('Your saved progress is damaged (not valid JSON). Import a saved copy, or reset progress to start again.', { cause, damaged: true });
  }
  const problem = problemWith(parsed);
  if (problem) throw new ProgressStorageError(`Your saved progress is damaged: ${problem}. Import a saved copy, or reset progress to start again.`, { damaged: true });
  return parsed as Progress;
}

function write(progress: Progress, store: Storage): void {
  try {
    store.setItem(PROGRESS_KEY, JSON.stringify(progress));
  } catch (cause) {
    const full = cause instanceof DOMException && cause.name === 'QuotaExceededError';
    throw new ProgressStorageError(
      full
        ? 'Progress could not be saved: this site has used up its browser storage. Free some space (Site settings → Clear data removes everything) and try again.'
        : 'Progress could not be saved: the browser refused to write site storage.',
      { cause, full },
    );
  }
  if (typeof dispatchEvent === 'function') dispatchEvent(new CustomEvent(CHANGE_EVENT, { detail: progress }));
}

export function labStatus(lab: string, storage?: Storage): LabStatus {
  return readProgress(storage).labs[lab]?.status ?? 'not-started';
}

/** Records work on a lab. A passed lab stays passed: going back to edit it must not erase the win. */
export function setLabStatus(lab: string, status: SavedLabStatus, storage?: Storage): void {
  if (!LAB_ID.test(lab)) throw new TypeError(`setLabStatus: "${lab}" is not a lab id like "03-config".`);
  const store = resolveStorage(storage);
  const progress = readProgress(store);
  const now = new Date().toISOString();
  const current = progress.labs[lab];
  if (current?.status === 'passed') return;
  progress.labs[lab] = status === 'passed' ? { status, updatedAt: now, passedAt: now } : { status, updatedAt: now };
  write(progress, store);
}

export function markVisited(chapter: string, storage?: Storage): void {
  const store = resolveStorage(storage);
  const progress = readProgress(store);
  progress.last = { chapter, at: new Date().toISOString() };
  write(progress, store);
}

/** Records that the learner reached the end of a chapter's text; the first time is kept. */
export function markRead(chapter: string, storage?: Storage): void {
  if (!LAB_ID.test(chapter)) throw new TypeError(`markRead: "${chapter}" is not a chapter id like "03-config".`);
  const store = resolveStorage(storage);
  const progress = readProgress(store);
  if (progress.read?.[chapter]) return;
  progress.read = { ...progress.read, [chapter]: new Date().toISOString() };
  write(progress, store);
}

/** A chapter is finished when its lab passed; a chapter without a lab, when it was read to the end. */
export function chapterFinished(progress: Progress, chapter: CourseChapter): boolean {
  return chapter.lab ? progress.labs[chapter.lab]?.status === 'passed' : Boolean(progress.read?.[chapter.id]);
}

/**
 * Where the learner should go next, never to a finished chapter.
 * Without `after` (the landing page): the chapter they opened last when it is unfinished, else the first
 * unfinished one after it (wrapping round), else — for a new learner — the first unfinished chapter.
 * With `after` (a lab just completed there): the first unfinished chapter after that one, wrapping round.
 * Undefined when every chapter is finished.
 */
export function nextChapter(course: readonly CourseChapter[], progress: Progress, after?: string): CourseChapter | undefined {
  const open = (chapter: CourseChapter): boolean => !chapterFinished(progress, chapter);
  const from = after ?? progress.last?.chapter;
  const at = from === undefined ? -1 : course.findIndex((chapter) => chapter.id === from);
  if (at < 0) return course.find(open);
  if (after === undefined && open(course[at]!)) return course[at];
  for (let step = 1; step < course.length; step++) {
    const chapter = course[(at + step) % course.length]!;
    if (open(chapter)) return chapter;
  }
  return undefined;
}

/** Clears everything saved; the way out of damaged storage. */
export function resetProgress(storage?: Storage): void {
  write(empty(), resolveStorage(storage));
}

export function exportProgress(storage?: Storage): string {
  return JSON.stringify(readProgress(storage), null, 2) + '\n';
}

/** Importing a good copy is the way out of damaged data, so damage there means "nothing to merge with". */
function readOrReplaceDamaged(store: Storage): Progress {
  try {
    return readProgress(store);
  } catch (error) {
    if (error instanceof ProgressStorageError && error.damaged) return empty();
    throw error;
  }
}

const rank = (s: SavedLabStatus) => (s === 'passed' ? 1 : 0);

/** Merges a file made by exportProgress into saved progress, keeping the better status of each lab. */
export function importProgress(json: string, storage?: Storage): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ProgressStorageError('That file is not a progress export: it is not valid JSON. Choose the .json file the Export button saved.');
  }
  const problem = problemWith(parsed);
  if (problem) throw new ProgressStorageError(`That file is not a progress export: ${problem}. Choose the .json file the Export button saved.`);
  const incoming = parsed as Progress;
  const store = resolveStorage(storage);
  const progress = readOrReplaceDamaged(store);
  for (const [id, theirs] of Object.entries(incoming.labs)) {
    const ours = progress.labs[id];
    const better =
      !ours || rank(theirs.status) > rank(ours.status) || (rank(theirs.status) === rank(ours.status) && theirs.updatedAt > ours.updatedAt);
    if (better) {
      const kept: LabProgress = { status: theirs.status, updatedAt: theirs.updatedAt };
      const passedAt = theirs.passedAt ?? ours?.passedAt;
      if (theirs.status === 'passed' && passedAt) kept.passedAt = passedAt;
      progress.labs[id] = kept;
    }
  }
  if (incoming.last && (!progress.last || incoming.last.at > progress.last.at)) progress.last = { ...incoming.last };
  for (const [id, at] of Object.entries(incoming.read ?? {})) {
    const ours = progress.read?.[id];
    if (!ours || at < ours) progress.read = { ...progress.read, [id]: at };
  }
  write(progress, store);
}

/** Calls `cb` whenever progress changes, in this tab or another. Returns the unsubscribe function. */
export function onProgressChange(cb: (p: Progress) => void): () => void {
  const onLocal = (event: Event) => cb((event as CustomEvent<Progress>).detail);
  const onStorage = (event: StorageEvent) => {
    if (event.key !== PROGRESS_KEY && event.key !== null) return;
    cb(event.newValue === null ? empty() : readProgress(event.storageArea ?? undefined));
  };
  addEventListener(CHANGE_EVENT, onLocal);
  addEventListener('storage', onStorage);
  return () => {
    removeEventListener(CHANGE_EVENT, onLocal);
    removeEventListener('storage', onStorage);
  };
}
