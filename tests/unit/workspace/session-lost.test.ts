// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { LabSession } from '../../../src/workspace/session.ts';
import { RUNNER_LOST, RunnerLostError } from '../../../src/workspace/runtime/local/local-runtime.ts';
import type { CheckEvent, DoneEvent, LabRuntime } from '../../../src/workspace/runtime/types.ts';
import { MemoryStorage } from './memory-storage.ts';

const fail: DoneEvent = { v: 1, type: 'done', status: 'fail', passed: 0, failed: 1, errored: 0 };

/** A runtime whose runner answers until `gone` is set, then refuses everything the way a stopped server does. */
function runtime(): LabRuntime & { gone: boolean } {
  const fake = {
    kind: 'local' as const,
    gone: false,
    mount: async () => undefined,
    writeFile: async () => {
      if (fake.gone) throw new RunnerLostError();
    },
    run: async () => {
      if (fake.gone) throw new RunnerLostError();
      return { exit: new Promise<number | null>(() => undefined), write: () => undefined, kill: async () => undefined };
    },
    shell: async () => null,
    check: async (onEvent: (event: CheckEvent) => void) => {
      if (fake.gone) throw new RunnerLostError();
      onEvent({ v: 1, type: 'plan', lab: 'a', checks: [{ id: 'x', title: 'X' }] });
      onEvent({ v: 1, type: 'result', check: 'x', status: 'fail', message: 'Listened on 3000', hints: [], ms: 1 });
      return fail;
    },
    stopAll: async () => undefined,
    dispose: async () => undefined,
  };
  return fake;
}

const progress = { setLabStatus: () => undefined, labStatus: () => 'in-progress' };

describe('a lab session whose course server went away', () => {
  it('keeps the last rows, says to reload, and never shows the transport error as a check', async () => {
    const fake = runtime();
    const session = new LabSession({ lab: 'a', starter: { 'app.js': '1' }, runCommand: 'x', createRuntime: async () => fake, progress, storage: new MemoryStorage() });
    await session.check();
    const rows = session.checks.state.get().rows;
    fake.gone = true;
    await session.check();
    expect(session.checks.state.get()).toMatchObject({ phase: 'done', rows, problem: null, announcement: `Check run 2 could not start: ${RUNNER_LOST}` });
    expect(session.run.state.get()).toMatchObject({ runtime: 'unavailable', message: RUNNER_LOST, reload: true, checking: false });
  });

  it('a Run refused by the gone server is reported, not silent', async () => {
    const fake = runtime();
    const session = new LabSession({ lab: 'a', starter: { 'app.js': '1' }, runCommand: 'x', createRuntime: async () => fake, progress, storage: new MemoryStorage() });
    await session.connect();
    fake.gone = true;
    let printed = '';
    session.onOutput((chunk) => (printed += chunk));
    await session.start();
    expect(printed).toContain(RUNNER_LOST);
    expect(session.run.state.get()).toMatchObject({ runtime: 'unavailable', reload: true, app: 'stopped' });
  });
});
