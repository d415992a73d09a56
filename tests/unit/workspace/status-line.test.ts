import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRunStore } from '../../../src/workspace/stores/run.ts';
import { ANSWER_WAIT_MS, bindStatus } from '../../../src/components/workspace/status-line.ts';

function harness(task: string | null = null) {
  const run = createRunStore();
  const element = { textContent: '' as string | null };
  const stop = bindStatus(run.state, element, () => task);
  run.connected('local');
  return { run, element, stop };
}

describe('the lab status line', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says the app is running only once it answers at an address', () => {
    const { run, element, stop } = harness();
    expect(element.textContent).toBe('Ready · runs on your computer');
    run.app('starting');
    run.app('running');
    expect(element.textContent).toBe('Starting your app…');
    vi.advanceTimersByTime(ANSWER_WAIT_MS - 100);
    run.appUrl('http://localhost:3000/');
    expect(element.textContent).toBe('Your app is running');
    vi.advanceTimersByTime(ANSWER_WAIT_MS);
    expect(element.textContent).toBe('Your app is running');
    stop();
  });

  it('says so when a started app has not answered within the wait, and starts the clock afresh on the next run', () => {
    const { run, element, stop } = harness();
    run.app('starting');
    run.app('running');
    vi.advanceTimersByTime(ANSWER_WAIT_MS - 1);
    expect(element.textContent).toBe('Starting your app…');
    vi.advanceTimersByTime(1);
    expect(element.textContent).toBe('Your app is running but not answering on its port yet');
    // Restart: every start passes through stopped.
    run.app('stopping');
    run.app('stopped', { code: null });
    run.app('starting');
    run.app('running');
    expect(element.textContent).toBe('Starting your app…');
    vi.advanceTimersByTime(ANSWER_WAIT_MS);
    expect(element.textContent).toBe('Your app is running but not answering on its port yet');
    run.app('stopped', { code: 1 });
    expect(element.textContent).toBe('Ready · runs on your computer');
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('names a task from the Run menu instead of judging it', () => {
    const { run, element, stop } = harness('Run without REDIS_URL');
    run.app('starting');
    run.app('running');
    vi.advanceTimersByTime(ANSWER_WAIT_MS);
    expect(element.textContent).toBe('Running: Run without REDIS_URL');
    stop();
  });

  it('tells a learner whose course server went away that the page is disconnected, not unsupported', () => {
    const { run, element, stop } = harness();
    run.lost('The course server restarted or stopped.');
    expect(element.textContent).toBe('Disconnected from the course server');
    stop();
  });
});

describe('how a stopped app ended, in words', () => {
  it('tells a drain from a signal’s default and from a kill after the grace period', async () => {
    const { describeExit } = await import('../../../src/workspace/stores/run.ts');
    expect(describeExit({ code: 0, signal: null, ms: 420, stopped: true })).toBe('app stopped: exit code 0 after 0.4 s');
    expect(describeExit({ code: 143, signal: null, ms: 30, stopped: true }, 'long')).toBe(
      'app stopped: Stop sent SIGTERM, which ended the app after 0.0 s (exit code 143): no handler of its own saw it through',
    );
    expect(describeExit({ code: null, signal: 'SIGKILL', ms: 2100, stopped: true })).toBe('app stopped: killed by SIGKILL after 2.1 s');
    expect(describeExit({ code: 1, signal: null, stopped: false }, 'long')).toBe('app exited with code 1');
  });
});
