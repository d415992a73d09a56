/**
 * Browser storage that never fails silently. Every read and write goes through here so a full quota,
 * a private window that refuses storage, or corrupt JSON becomes a message the workspace shows the learner.
 */

/** The part of the Web Storage API the stores use; tests pass an in-memory implementation. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export class StorageFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageFailure';
  }
}

/** The page's localStorage, or a failure explaining why there is none (some privacy modes throw on access). */
export function browserStorage(): KeyValueStorage | StorageFailure {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return new StorageFailure('This browser offers no local storage, so edits last only until the page closes.');
    return storage;
  } catch (cause) {
    return new StorageFailure(
      'This browser refuses local storage (a private window or a site-data setting), so edits last only until the page closes. Use "Download my work" to keep them.',
      { cause },
    );
  }
}

/** What the learner reads when a save failed: a full quota says so and what to do. */
export function describeWriteError(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') {
    return 'Your edits could not be saved: this browser\'s storage for the site is full. Free some space (clear other labs with "Reset to starter") or use "Download my work" to keep them.';
  }
  return `Your edits could not be saved in this browser (${error instanceof Error ? error.message : String(error)}). Use "Download my work" to keep them.`;
}

/** Writes JSON; returns a learner-facing failure instead of throwing. */
export function writeJson(storage: KeyValueStorage, key: string, value: unknown): StorageFailure | null {
  try {
    storage.setItem(key, JSON.stringify(value));
    return null;
  } catch (cause) {
    return new StorageFailure(describeWriteError(cause), { cause });
  }
}

/** Reads JSON; `undefined` when absent, a failure when unreadable (the stored value is left for the learner to recover). */
export function readJson(storage: KeyValueStorage, key: string): unknown {
  let raw: string | null;
  try {
    raw = storage.getItem(key);
  } catch (cause) {
    return new StorageFailure(`Saved work could not be read from this browser's storage (${String(cause)}).`, { cause });
  }
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (cause) {
    return new StorageFailure(`Saved work under "${key}" is damaged and was not loaded; the lab starts from its starter files.`, { cause });
  }
}
