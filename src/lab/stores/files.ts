/**
 * The learner's files for one lab.
 *
 * Persisted shape — localStorage key `tfl:lab:<lab id>:files`:
 *   { "v": 1, "savedAt": "<ISO time>", "files": { "<visible path>": "<text>", … } }
 * Only the lab's visible files are stored; the lab's own internals never are.
 *
 * Lifecycle: created when a lab workspace opens. Saved work is merged over the starter (paths the lab no
 * longer shows are dropped). Every edit schedules a save (debounced, so typing writes once per pause);
 * the pending save is flushed when the page is hidden or closed, so a reload or a crashed tab loses at
 * most the last pause. "Reset to starter" keeps the previous files in memory until the next edit so it
 * can be undone. A failed save is published in `saveState` for the learner to see, never swallowed.
 */
import { atom, type ReadableAtom } from 'nanostores';
import type { FileMap } from '../runtime/types.ts';
import { browserStorage, readJson, StorageFailure, writeJson, type KeyValueStorage } from './storage.ts';

export type SaveState =
  | { kind: 'saved'; at: string | null }
  | { kind: 'pending' }
  | { kind: 'failed'; message: string };

export interface FilesStoreOptions {
  lab: string;
  /** The starter's visible files, in the order the tabs show them. */
  starter: FileMap;
  /** Defaults to the page's localStorage. */
  storage?: KeyValueStorage | StorageFailure;
  debounceMs?: number;
  /** Called for every change of a file's text (edits, reset, undo), e.g. to sync the runtime. */
  onChange?: (path: string, text: string) => void;
}

export interface FilesStore {
  readonly files: ReadableAtom<FileMap>;
  readonly active: ReadableAtom<string>;
  readonly saveState: ReadableAtom<SaveState>;
  /** True from a reset until the next edit. */
  readonly canUndoReset: ReadableAtom<boolean>;
  /** True once the learner has changed anything since the starter (including in an earlier visit). */
  readonly touched: ReadableAtom<boolean>;
  edit(path: string, text: string): void;
  open(path: string): void;
  reset(): void;
  undoReset(): void;
  /** Writes any pending save now. */
  flush(): void;
  dispose(): void;
}

export const filesKey = (lab: string): string => `tfl:lab:${lab}:files`;

interface Persisted {
  v: 1;
  savedAt: string;
  files: FileMap;
}

function isPersisted(value: unknown): value is Persisted {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Persisted>;
  return record.v === 1 && typeof record.files === 'object' && record.files !== null;
}

function loadSaved(storage: KeyValueStorage, lab: string, starter: FileMap): { files: FileMap; at: string | null; problem: string | null } {
  const raw = readJson(storage, filesKey(lab));
  if (raw instanceof StorageFailure) return { files: { ...starter }, at: null, problem: raw.message };
  if (raw === undefined) return { files: { ...starter }, at: null, problem: null };
  if (!isPersisted(raw)) {
    return { files: { ...starter }, at: null, problem: `Saved work for ${lab} has a format this version does not read; the lab starts from its starter files.` };
  }
  const files: FileMap = { ...starter };
  for (const [path, text] of Object.entries(raw.files)) {
    if (path in starter && typeof text === 'string') files[path] = text;
  }
  return { files, at: raw.savedAt, problem: null };
}

const sameFiles = (a: FileMap, b: FileMap): boolean => Object.keys(a).every((path) => a[path] === b[path]);

export function createFilesStore(options: FilesStoreOptions): FilesStore {
  const { lab, starter, debounceMs = 400, onChange } = options;
  const storage = options.storage ?? browserStorage();
  const paths = Object.keys(starter);
  if (paths.length === 0) throw new Error(`Lab ${lab} shows the learner no files; its manifest must list at least one visible file.`);

  const initial =
    storage instanceof StorageFailure
      ? { files: { ...starter }, at: null, problem: storage.message }
      : loadSaved(storage, lab, starter);

  const files = atom<FileMap>(initial.files);
  const active = atom<string>(paths[0]!);
  const saveState = atom<SaveState>(initial.problem ? { kind: 'failed', message: initial.problem } : { kind: 'saved', at: initial.at });
  const canUndoReset = atom(false);
  const touched = atom(!sameFiles(initial.files, starter));
  let beforeReset: FileMap | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function save(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (storage instanceof StorageFailure) {
      saveState.set({ kind: 'failed', message: storage.message });
      return;
    }
    const savedAt = new Date().toISOString();
    const failure = writeJson(storage, filesKey(lab), { v: 1, savedAt, files: files.get() } satisfies Persisted);
    saveState.set(failure ? { kind: 'failed', message: failure.message } : { kind: 'saved', at: savedAt });
  }

  function schedule(): void {
    if (timer !== null) clearTimeout(timer);
    saveState.set({ kind: 'pending' });
    timer = setTimeout(save, debounceMs);
  }

  function replaceAll(next: FileMap): void {
    const previous = files.get();
    files.set({ ...next });
    touched.set(!sameFiles(next, starter));
    for (const path of paths) if (previous[path] !== next[path]) onChange?.(path, next[path]!);
    save();
  }

  const onHidden = (): void => {
    if (timer !== null) save();
  };
  const onVisibility = (): void => {
    if (document.visibilityState === 'hidden') onHidden();
  };
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', onVisibility);
    addEventListener('pagehide', onHidden);
  }

  return {
    files,
    active,
    saveState,
    canUndoReset,
    touched,
    edit(path, text) {
      if (!(path in starter)) throw new Error(`${path} is not one of lab ${lab}'s files (${paths.join(', ')}).`);
      if (files.get()[path] === text) return;
      files.set({ ...files.get(), [path]: text });
      touched.set(true);
      beforeReset = null;
      canUndoReset.set(false);
      onChange?.(path, text);
      schedule();
    },
    open(path) {
      if (!(path in starter)) throw new Error(`${path} is not one of lab ${lab}'s files (${paths.join(', ')}).`);
      active.set(path);
    },
    reset() {
      beforeReset = files.get();
      replaceAll(starter);
      canUndoReset.set(true);
    },
    undoReset() {
      if (!beforeReset) return;
      const restored = beforeReset;
      beforeReset = null;
      canUndoReset.set(false);
      replaceAll(restored);
    },
    flush: onHidden,
    dispose() {
      onHidden();
      if (typeof document !== 'undefined') {
        document.removeEventListener('visibilitychange', onVisibility);
        removeEventListener('pagehide', onHidden);
      }
    },
  };
}
