/**
 * The learner's saved files in IndexedDB, which (unlike localStorage) tells when a write is on disk.
 *
 * Database `twelve-factor-labs`, version 1:
 *   object store `files`     key: lab id            value: { v: 1, savedAt: ISO time, files: { path: text } }
 *   object store `recovery`  key: [lab id, tab id]  value: { v: 1, lab, tab, savedAt, files }
 * `files` holds the saved work of each lab. `recovery` holds the edits of a tab that kept typing while
 * another tab's different save was open (a two-tab conflict): they are offered to the learner the next
 * time the lab opens, once that tab is gone, and deleted when restored or discarded.
 *
 * Every save is one read-write transaction with strict durability: it re-reads the stored record, gives up
 * when another tab saved something else since (the caller shows the conflict), and otherwise writes.
 * The transaction completes only once the browser has flushed it, so "saved" means saved.
 */
export const DB_NAME = 'twelve-factor-labs';
const VERSION = 1;

export interface SavedFiles {
  v: 1;
  savedAt: string;
  files: Record<string, string>;
}

export interface RecoveryRecord {
  v: 1;
  lab: string;
  tab: string;
  savedAt: string;
  files: Record<string, string>;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function finished(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('the transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('the transaction was aborted'));
  });
}

/** Opens (creating on first use) the course's database; rejects where the browser refuses it. */
export function openFileDb(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = factory.open(DB_NAME, VERSION);
    } catch (error) {
      reject(error);
      return;
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('files')) db.createObjectStore('files');
      if (!db.objectStoreNames.contains('recovery')) db.createObjectStore('recovery', { keyPath: ['lab', 'tab'] });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('the database could not be opened'));
    req.onblocked = () => reject(new Error('the database is blocked by another tab of an older version'));
  });
}

const strict = { durability: 'strict' } as IDBTransactionOptions;

export function isSavedFiles(value: unknown): value is SavedFiles {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<SavedFiles>;
  return record.v === 1 && typeof record.savedAt === 'string' && typeof record.files === 'object' && record.files !== null;
}

/** The lab's saved files and every recovery record of the lab, read in one transaction. */
export async function loadLab(db: IDBDatabase, lab: string): Promise<{ saved: unknown; recovery: RecoveryRecord[] }> {
  const tx = db.transaction(['files', 'recovery'], 'readonly');
  const done = finished(tx);
  const saved = request(tx.objectStore('files').get(lab));
  // A handful of records at most: read them all rather than depend on the global IDBKeyRange.
  const recovery = request(tx.objectStore('recovery').getAll());
  const result = { saved: await saved, recovery: ((await recovery) as RecoveryRecord[]).filter((r) => r?.v === 1 && r.lab === lab) };
  await done;
  return result;
}

/**
 * Writes `record` unless the stored record was saved by someone else since `known` (and differs):
 * then nothing is written and the stored record is returned. One transaction, durable on completion.
 */
export async function saveUnlessChanged(
  db: IDBDatabase,
  lab: string,
  record: SavedFiles,
  known: string | null,
  force: boolean,
): Promise<{ written: true } | { written: false; other: SavedFiles }> {
  const tx = db.transaction('files', 'readwrite', strict);
  const done = finished(tx);
  const store = tx.objectStore('files');
  const current: unknown = await request(store.get(lab));
  if (!force && isSavedFiles(current) && current.savedAt !== known) {
    tx.abort();
    await done.catch(() => undefined);
    return { written: false, other: current };
  }
  store.put(record, lab);
  await done;
  return { written: true };
}

/** Puts a record straight into `files` (a migration from localStorage). */
export async function putSaved(db: IDBDatabase, lab: string, record: SavedFiles): Promise<void> {
  const tx = db.transaction('files', 'readwrite', strict);
  const done = finished(tx);
  tx.objectStore('files').put(record, lab);
  await done;
}

export async function putRecovery(db: IDBDatabase, record: RecoveryRecord): Promise<void> {
  const tx = db.transaction('recovery', 'readwrite', strict);
  const done = finished(tx);
  tx.objectStore('recovery').put(record);
  await done;
}

export async function deleteRecovery(db: IDBDatabase, lab: string, tabs: string[]): Promise<void> {
  if (tabs.length === 0) return;
  const tx = db.transaction('recovery', 'readwrite', strict);
  const done = finished(tx);
  for (const tab of tabs) tx.objectStore('recovery').delete([lab, tab]);
  await done;
}
