import { describe, expect, it } from 'vitest';
import { createChecksStore, fingerprint } from '../../../src/workspace/stores/checks.ts';
import type { CheckEvent } from '../../../src/workspace/runtime/types.ts';

const plan = { v: 1, type: 'plan', lab: '03-config', checks: [{ id: 'port', title: 'Port from PORT' }, { id: 'redis', title: 'Redis from REDIS_URL' }] } satisfies CheckEvent;

describe('the checks store', () => {
  it('shows each check live: planned, running, then its verdict', () => {
    const store = createChecksStore();
    store.begin();
    store.apply(plan);
    expect(store.state.get().rows.map((row) => row.status)).toEqual(['running', 'pending']);
    store.apply({ v: 1, type: 'result', check: 'port', status: 'fail', message: 'Listened on 3000', expected: '41234', actual: '3000', hints: ['Read process.env.PORT', 'Parse it as a number'], ms: 120 });
    const [port, redis] = store.state.get().rows;
    expect(port).toMatchObject({ status: 'fail', expected: '41234', actual: '3000', hintsShown: 0 });
    expect(redis!.status).toBe('running');
  });

  it('unlocks hints one at a time and never past the last', () => {
    const store = createChecksStore();
    store.begin();
    store.apply(plan);
    store.apply({ v: 1, type: 'result', check: 'port', status: 'fail', message: 'm', hints: ['one', 'two'], ms: 1 });
    store.showNextHint('port');
    expect(store.state.get().rows[0]!.hintsShown).toBe(1);
    store.showNextHint('port');
    store.showNextHint('port');
    expect(store.state.get().rows[0]!.hintsShown).toBe(2);
  });

  it('announces a different sentence for every run, naming what is still failing', () => {
    const store = createChecksStore();
    const announcements: string[] = [];
    for (let i = 0; i < 2; i++) {
      store.begin();
      store.apply(plan);
      store.apply({ v: 1, type: 'result', check: 'port', status: 'pass', message: 'ok', hints: [], ms: 1 });
      store.apply({ v: 1, type: 'result', check: 'redis', status: 'error', message: 'timed out', hints: [], ms: 1 });
      store.apply({ v: 1, type: 'done', status: 'fail', passed: 1, failed: 0, errored: 1 });
      announcements.push(store.state.get().announcement);
    }
    expect(announcements[0]).toBe('Check run 1: 1 of 2 checks passed. Still to fix: Redis from REDIS_URL.');
    expect(announcements[1]).toBe('Check run 2: 1 of 2 checks passed. Still to fix: Redis from REDIS_URL.');
  });

  it('marks checks the checker never reached as errors when it finishes, and reports a run that failed', () => {
    const store = createChecksStore();
    store.begin();
    store.apply(plan);
    store.apply({ v: 1, type: 'done', status: 'error', passed: 0, failed: 0, errored: 2 });
    expect(store.state.get().rows.every((row) => row.status === 'error')).toBe(true);
    store.begin();
    store.fail('The lab runner cannot be reached.');
    expect(store.state.get()).toMatchObject({ phase: 'failed', announcement: 'Check run 2 could not finish: The lab runner cannot be reached.' });
  });

  it('keeps the transcript and ignores events after the run ended', () => {
    const store = createChecksStore();
    store.begin();
    store.apply({ v: 1, type: 'log', check: 'port', source: 'app', text: 'listening' });
    store.apply({ v: 1, type: 'done', status: 'pass', passed: 0, failed: 0, errored: 0 });
    store.apply({ v: 1, type: 'log', check: 'port', source: 'app', text: 'late' });
    expect(store.state.get().transcript).toEqual([{ check: 'port', source: 'app', text: 'listening' }]);
  });
});

describe('results and the files they describe', () => {
  const run = (store: ReturnType<typeof createChecksStore>): void => {
    store.begin();
    store.apply(plan);
    store.apply({ v: 1, type: 'result', check: 'port', status: 'fail', message: 'm', hints: [], ms: 1 });
    store.apply({ v: 1, type: 'result', check: 'redis', status: 'pass', message: 'ok', hints: [], ms: 1 });
    store.apply({ v: 1, type: 'done', status: 'fail', passed: 1, failed: 1, errored: 0 });
  };

  it('are marked stale after an edit, and current again when the edit is undone', () => {
    const store = createChecksStore();
    const starter = fingerprint({ 'config.js': 'a' });
    store.filesChanged(starter);
    run(store);
    expect(store.state.get().stale).toBe(false);
    store.filesChanged(fingerprint({ 'config.js': 'a // note' }));
    expect(store.state.get().stale).toBe(true);
    store.filesChanged(starter);
    expect(store.state.get().stale).toBe(false);
  });

  it('are stale when they arrive if the files changed while the checks ran, until the next run', () => {
    const store = createChecksStore();
    store.filesChanged(fingerprint({ 'config.js': 'a' }));
    store.begin();
    store.filesChanged(fingerprint({ 'config.js': 'b' }));
    store.apply(plan);
    store.apply({ v: 1, type: 'done', status: 'pass', passed: 2, failed: 0, errored: 0 });
    expect(store.state.get().stale).toBe(true);
    run(store);
    expect(store.state.get().stale).toBe(false);
  });

  it('fingerprints do not depend on the order of the files', () => {
    expect(fingerprint({ a: '1', b: '2' })).toBe(fingerprint({ b: '2', a: '1' }));
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '2', b: '1' }));
  });
});
