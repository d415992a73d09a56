import { describe, expect, it } from 'vitest';
import { parseCheckEvent, type CheckEvent } from '../../../src/lab-model/check-events.ts';
import { quietRunCommand, timingWarnings } from '../../../src/lab-model/verify-timing.ts';

const result = (check: string, status: 'pass' | 'fail', timing?: { observedMs: number; idleMs: number; boundMs: number }): CheckEvent => ({
  v: 1, type: 'result', check, status, message: 'm', hints: [], ms: 1,
  ...(timing ? { timing: { wait: 'the app: waitForExit(2000)', ...timing } } : {}),
});
const run = (variant: string, factor: number, ...events: CheckEvent[]) => ({
  lab: '07-port-binding', variant, events, calibration: { factor, baselineMs: 90 * factor, referenceMs: 90 },
});

describe('labs:verify timing warnings', () => {
  it('a variant much slower than the solution at the same wait: warned even when load stretched the bound far beyond it', () => {
    // The trial's variant: exitCode + redis.disconnect() exits after 2.6 s, the solution after 0.6 s, at ×4.6.
    const warnings = timingWarnings([
      run('solution', 4.6, result('fails-fast', 'pass', { observedMs: 600, idleMs: 2000, boundMs: 9200 })),
      run('variant exit-code', 4.6, result('fails-fast', 'pass', { observedMs: 2600, idleMs: 2000, boundMs: 9200 })),
      run('variant throws', 4.6, result('fails-fast', 'pass', { observedMs: 1000, idleMs: 2000, boundMs: 9200 })),
    ]);
    expect(warnings.map((w) => w.text)).toEqual([
      '07-port-binding variant exit-code: fails-fast passed, but the app: waitForExit(2000) took 2.6 s, 4.3× as long as the solution (600 ms), against an idle bound of 2 s: it may pass only because this run scaled the bound to 9.2 s.',
    ]);
  });

  it('more than half of the bound the run judged by: warned; half or less, a failure, or no timing: quiet', () => {
    const warnings = timingWarnings([run('variant x', 1,
      result('close', 'pass', { observedMs: 1200, idleMs: 2000, boundMs: 2000 }),
      result('half', 'pass', { observedMs: 1000, idleMs: 2000, boundMs: 2000 }),
      result('failed', 'fail', { observedMs: 9000, idleMs: 2000, boundMs: 2000 }),
      result('untimed', 'pass'),
    )]);
    expect(warnings.map((w) => w.text)).toEqual(['07-port-binding variant x: close passed, but the app: waitForExit(2000) took 1.2 s, 60% of the 2 s bound.']);
  });

  it('on a loaded machine everything is slower alike: judged against the scaled bound and the solution, no warning', () => {
    // Measured in a run of 03-config at ×10: start-ups of 3.9–6.2 s against 3 s, exits of 2.1–2.7 s against 2 s.
    const warnings = timingWarnings([
      run('solution', 10, result('fails-fast', 'pass', { observedMs: 2300, idleMs: 2000, boundMs: 30000 })),
      run('variant a', 10, result('fails-fast', 'pass', { observedMs: 2700, idleMs: 2000, boundMs: 30000 })),
    ]);
    expect(warnings).toEqual([]);
    // The scaled bound, not the wait's stretched deadline, is what a pass is judged by.
    expect(timingWarnings([run('variant b', 2, result('c', 'pass', { observedMs: 2100, idleMs: 2000, boundMs: 30000 }))])[0]?.text).toMatch(/took 2\.1 s, 53% of the 4 s this run allowed \(2 s on an idle machine × 2\)\.$/);
  });

  it('several runs of one check: the closest is shown once', () => {
    const warnings = timingWarnings([1200, 1800, 1500].map((observedMs) => run('variant x', 1, result('c', 'pass', { observedMs, idleMs: 2000, boundMs: 2000 }))));
    expect(warnings.map((w) => w.text)).toEqual(['07-port-binding variant x: c passed, but the app: waitForExit(2000) took 1.8 s, 90% of the 2 s bound.']);
  });

  it('says how to look at the run against the idle bounds', () => {
    expect(quietRunCommand({ lab: '07-port-binding', variant: 'variant exit-code' })).toBe('LAB_CALIBRATION_FACTOR=1 npm run labs:verify -- --concurrency 1 --show 07-port-binding/exit-code');
  });

  it('the result event carries timing through the protocol parser (older checkers simply leave it out)', () => {
    const event = result('x', 'pass', { observedMs: 5, idleMs: 10, boundMs: 20 });
    expect(parseCheckEvent(JSON.stringify(event))).toEqual(event);
    expect(parseCheckEvent(JSON.stringify({ ...event, timing: { wait: 'w', observedMs: 1, idleMs: 0, boundMs: 1 } }))).toBeNull();
  });
});
