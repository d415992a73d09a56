/** Reads what a lab page has saved in the browser (IndexedDB, see src/workspace/stores/file-db.ts). */
import type { Page } from '@playwright/test';

export interface SavedWork {
  files: Record<string, string> | undefined;
  recovery: { tab: string; files: Record<string, string> }[];
}

export function savedWork(page: Page, lab: string): Promise<SavedWork> {
  return page.evaluate(
    (id) =>
      new Promise<SavedWork>((resolve, reject) => {
        const open = indexedDB.open('twelve-factor-labs');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('files')) {
            db.close();
            resolve({ files: undefined, recovery: [] });
            return;
          }
          const tx = db.transaction(['files', 'recovery'], 'readonly');
          const saved = tx.objectStore('files').get(id);
          const slots = tx.objectStore('recovery').getAll();
          tx.oncomplete = () => {
            db.close();
            resolve({
              files: (saved.result as { files?: Record<string, string> } | undefined)?.files,
              recovery: (slots.result as { lab: string; tab: string; files: Record<string, string> }[]).filter((r) => r.lab === id),
            });
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    lab,
  );
}
