import { describe, expect, it } from 'vitest';
import { parseCheckEvent, readCheckLine } from '../../../src/lab-model/check-events.ts';

const result = { v: 1, type: 'result', check: 'reads-port', status: 'fail', message: 'No answer on PORT.', hints: ['Read process.env.PORT.'], ms: 12 };

describe('checker events: one schema, one parser', () => {
  it('reads each event type, the plan’s calibration included, and drops fields the protocol does not have', () => {
    const plan = parseCheckEvent(JSON.stringify({ v: 1, type: 'plan', lab: '03-config', checks: [{ id: 'reads-port', title: 'Listens on PORT' }], calibration: { factor: 1.4, baselineMs: 210, referenceMs: 150 } }));
    expect(plan).toEqual({ v: 1, type: 'plan', lab: '03-config', checks: [{ id: 'reads-port', title: 'Listens on PORT' }], calibration: { factor: 1.4, baselineMs: 210, referenceMs: 150 } });
    expect(parseCheckEvent(JSON.stringify({ ...result, extra: true }))).toEqual(result);
    expect(parseCheckEvent('{"v":1,"type":"done","status":"fail","passed":4,"failed":1,"errored":0}')?.type).toBe('done');
  });

  it('ignores text that is not a version-1 event, including colour codes around JSON', () => {
    expect(parseCheckEvent('Checking lab 03-config…')).toBeNull();
    expect(parseCheckEvent('{"v":2,"type":"done"}')).toBeNull();
    expect(parseCheckEvent('{"v":1,"type":"other"}')).toBeNull();
    expect(parseCheckEvent('{"level":"info","msg":"listening"}')).toBeNull();
    expect(parseCheckEvent('\u001b[32m{"v":1,"type":"log","check":"a","source":"app","text":"t"}\u001b[0m')?.type).toBe('log');
  });

  it('says how a line that claims to be an event breaks the schema', () => {
    expect(readCheckLine(JSON.stringify({ ...result, status: 'passed', hints: 'one' }))).toEqual({
      problem: expect.stringMatching(/^not a version-1 checker event \(status: .*; hints: .*\)$/),
    });
    expect(readCheckLine(JSON.stringify({ ...result, v: 2 }))).toEqual({ problem: expect.stringContaining('v: ') });
    expect(readCheckLine('plain text')).toBeNull();
  });
});
