// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  PROGRESS_KEY,
  ProgressStorageError,
  exportProgress,
  importProgress,
  labStatus,
  markRead,
  markVisited,
  nextChapter,
  onProgressChange,
  readProgress,
  resetProgress,
  setLabStatus,
  type Progress,
} from '../../../src/lib/progress.ts';

/** A Storage that keeps items in a Map and can be told to fail, like a full or locked-down browser. */
class MemoryStorage implements Storage {
  readonly items = new Map<string, string>();
  failWith: Error | null = null;
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  getItem(key: string) { return this.items.get(key) ?? null; }
  key(index: number) { return [...this.items.keys()][index] ?? null; }
  removeItem(key: string) { this.items.delete(key); }
  setItem(key: string, value: string) {
    if (this.failWith) throw this.failWith;
    this.items.set(key, value);
  }
}

let storage: MemoryStorage;
beforeEach(() => { storage = new MemoryStorage(); });
afterEach(() => { vi.useRealTimers(); });

describe('a new learner', () => {
  it('has no labs and no last chapter', () => {
    expect(readProgress(storage)).toEqual({ v: 1, labs: {} });
    expect(labStatus('03-config', storage)).toBe('not-started');
  });
});

describe('working on labs', () => {
  it('records in-progress, then passed with the time it passed', () => {
    vi.useFakeTimers({ now: new Date('2030-01-02T03:04:05Z') });
    setLabStatus('03-config', 'in-progress', storage);
    expect(labStatus('03-config', storage)).toBe('in-progress');
    setLabStatus('03-config', 'passed', storage);
    expect(readProgress(storage).labs['03-config']).toEqual({
      status: 'passed', updatedAt: '2030-01-02T03:04:05.000Z', passedAt: '2030-01-02T03:04:05.000Z',
    });
  });

  it('never downgrades a passed lab when the learner edits it again', () => {
    setLabStatus('06-processes', 'passed', storage);
    setLabStatus('06-processes', 'in-progress', storage);
    expect(labStatus('06-processes', storage)).toBe('passed');
  });

  it('rejects an id that is not a lab id', () => {
    expect(() => setLabStatus('config', 'passed', storage)).toThrow(/"config" is not a lab id/);
  });

  it('remembers the last chapter visited', () => {
    markVisited('09-disposability', storage);
    expect(readProgress(storage).last?.chapter).toBe('09-disposability');
  });
});

describe('reading chapters and the way on', () => {
  const course = [{ id: '01-codebase' }, { id: '02-dependencies' }, { id: '03-config', lab: '03-config' }, { id: '04-backing-services' }];

  it('records the first time a chapter was read to its end, and keeps it', () => {
    vi.useFakeTimers({ now: new Date('2030-01-02T03:04:05Z') });
    markRead('02-dependencies', storage);
    vi.setSystemTime(new Date('2031-01-01T00:00:00Z'));
    markRead('02-dependencies', storage);
    expect(readProgress(storage).read).toEqual({ '02-dependencies': '2030-01-02T03:04:05.000Z' });
  });

  it('sends a new learner to the first chapter', () => {
    expect(nextChapter(course, readProgress(storage))?.id).toBe('01-codebase');
  });

  it('never sends a learner to a finished chapter: a lab chapter is finished when its lab passed, another when read', () => {
    markRead('01-codebase', storage);
    markVisited('01-codebase', storage);
    expect(nextChapter(course, readProgress(storage))?.id).toBe('02-dependencies');
    setLabStatus('03-config', 'passed', storage);
    markRead('02-dependencies', storage);
    markVisited('03-config', storage);
    expect(nextChapter(course, readProgress(storage))?.id).toBe('04-backing-services');
    // After a lab completes, the next unfinished chapter after it, wrapping round past the end.
    markRead('04-backing-services', storage);
    expect(nextChapter(course, readProgress(storage), '03-config')).toBeUndefined();
  });

  it('wraps round to unfinished chapters before the current one', () => {
    markRead('04-backing-services', storage);
    expect(nextChapter(course, readProgress(storage), '03-config')?.id).toBe('01-codebase');
  });

  it('rejects a "read" entry that is not a date, as damage', () => {
    storage.setItem(PROGRESS_KEY, JSON.stringify({ v: 1, labs: {}, read: { '01-codebase': 'yesterday' } }));
    expect(() => readProgress(storage)).toThrow(/read\["01-codebase"\] must be a date/);
  });
});

describe('storage that fails', () => {
  it('reports a full storage in words the learner can act on', () => {
    storage.failWith = new DOMException('full', 'QuotaExceededError');
    expect(() => setLabStatus('03-config', 'passed', storage)).toThrow(ProgressStorageError);
    expect(() => setLabStatus('03-config', 'passed', storage)).toThrow(/used up its browser storage/);
  });

  it('reports damaged saved data instead of silently starting over', () => {
    storage.items.set(PROGRESS_KEY, '{not json');
    expect(() => readProgress(storage)).toThrow(/damaged \(not valid JSON\)/);
    storage.items.set(PROGRESS_KEY, JSON.stringify({ v: 1, labs: { '03-config': { status: 'done', updatedAt: '2030-01-01' } } }));
    expect(() => labStatus('03-config', storage)).toThrow(/labs\["03-config"\]\.status must be "in-progress" or "passed"/);
  });

  it('marks damage apart from a refused write, so the page offers a reset only when it helps', () => {
    storage.items.set(PROGRESS_KEY, '{not json');
    expect(() => readProgress(storage)).toThrow(expect.objectContaining({ damaged: true }));
    storage.items.clear();
    storage.failWith = new Error('SecurityError');
    expect(() => markVisited('03-config', storage)).toThrow(expect.objectContaining({ damaged: false }));
  });

  it('lets an import replace damaged progress', () => {
    storage.items.set(PROGRESS_KEY, '{not json');
    importProgress('{"v":1,"labs":{"03-config":{"status":"passed","updatedAt":"2030-01-01T00:00:00Z"}}}', storage);
    expect(labStatus('03-config', storage)).toBe('passed');
  });

  it('can be reset after damage', () => {
    storage.items.set(PROGRESS_KEY, '[]');
    resetProgress(storage);
    expect(readProgress(storage)).toEqual({ v: 1, labs: {} });
  });
});

describe('export and import', () => {
  it('round-trips into a fresh browser', () => {
    setLabStatus('03-config', 'passed', storage);
    markVisited('03-config', storage);
    const other = new MemoryStorage();
    importProgress(exportProgress(storage), other);
    expect(readProgress(other)).toEqual(readProgress(storage));
  });

  it('keeps the better status of each lab when merging', () => {
    const here: Progress = {
      v: 1,
      labs: {
        '03-config': { status: 'passed', updatedAt: '2030-01-01T00:00:00Z', passedAt: '2030-01-01T00:00:00Z' },
        '06-processes': { status: 'in-progress', updatedAt: '2030-01-01T00:00:00Z' },
      },
      last: { chapter: '06-processes', at: '2030-01-05T00:00:00Z' },
    };
    storage.items.set(PROGRESS_KEY, JSON.stringify(here));
    const there: Progress = {
      v: 1,
      labs: {
        '03-config': { status: 'in-progress', updatedAt: '2030-02-01T00:00:00Z' },
        '06-processes': { status: 'passed', updatedAt: '2030-01-02T00:00:00Z', passedAt: '2030-01-02T00:00:00Z' },
        '09-disposability': { status: 'in-progress', updatedAt: '2030-01-03T00:00:00Z' },
      },
      last: { chapter: '09-disposability', at: '2030-01-03T00:00:00Z' },
    };
    importProgress(JSON.stringify(there), storage);
    const merged = readProgress(storage);
    expect(merged.labs['03-config']?.status).toBe('passed');
    expect(merged.labs['06-processes']).toEqual(there.labs['06-processes']);
    expect(merged.labs['09-disposability']?.status).toBe('in-progress');
    expect(merged.last?.chapter).toBe('06-processes');
  });

  it.each([
    ['not JSON', 'hello', /not valid JSON/],
    ['another version', '{"v":2,"labs":{}}', /only version 1 is understood/],
    ['a file that is not an export', '{"labs":{}}', /has no version field/],
    ['a bad lab key', '{"v":1,"labs":{"Config":{"status":"passed","updatedAt":"2030-01-01"}}}', /"Config", which is not a lab id/],
    ['a bad date', '{"v":1,"labs":{"03-config":{"status":"passed","updatedAt":"soon"}}}', /updatedAt must be a date/],
  ])('refuses %s and leaves saved progress untouched', (_name, text, message) => {
    setLabStatus('03-config', 'in-progress', storage);
    const before = storage.getItem(PROGRESS_KEY);
    expect(() => importProgress(text, storage)).toThrow(message);
    expect(storage.getItem(PROGRESS_KEY)).toBe(before);
  });
});

describe('change notifications', () => {
  it('tells same-tab listeners about every write, until unsubscribed', () => {
    const seen: string[] = [];
    const stop = onProgressChange((p) => seen.push(Object.keys(p.labs).join(',')));
    setLabStatus('03-config', 'in-progress', storage);
    setLabStatus('06-processes', 'in-progress', storage);
    stop();
    setLabStatus('09-disposability', 'in-progress', storage);
    expect(seen).toEqual(['03-config', '03-config,06-processes']);
  });

  it('hears writes from other tabs through the storage event', () => {
    const seen: Progress[] = [];
    const stop = onProgressChange((p) => seen.push(p));
    const value = JSON.stringify({ v: 1, labs: { '03-config': { status: 'passed', updatedAt: '2030-01-01T00:00:00Z' } } });
    storage.items.set(PROGRESS_KEY, value);
    dispatchEvent(new StorageEvent('storage', { key: PROGRESS_KEY, newValue: value, storageArea: storage }));
    dispatchEvent(new StorageEvent('storage', { key: 'tfl:theme', newValue: 'dark', storageArea: storage }));
    stop();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.labs['03-config']?.status).toBe('passed');
  });
});
