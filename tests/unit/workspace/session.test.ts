// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { LabSession } from '../../../src/workspace/session.ts';
import { chooseRuntime, runtimeOverride } from '../../../src/workspace/runtime/select.ts';
import { RuntimeUnavailableError, type CheckEvent, type DoneEvent, type LabRuntime } from '../../../src/workspace/runtime/types.ts';
import { MemoryStorage } from './memory-storage.ts';

const pass: DoneEvent = { v: 1, type: 'done', status: 'pass', passed: 1, failed: 0, errored: 0 };

/** A runtime that records what reached it and answers checks with a scripted verdict. */
function fakeRuntime(verdict: DoneEvent = pass, gate?: Promise<void>): LabRuntime & { written: string[] } {
  const written: string[] = [];
  return {
    kind: 'local',
    written,
    mount: async () => undefined,
    writeFile: async (path, content) => void written.push(`${path}=${content}`),
    run: async () => ({ exit: new Promise(() => undefined), write: () => undefined, kill: async () => undefined }),
    shell: async () => null,
    check: async (onEvent: (event: CheckEvent) => void, signal?: AbortSignal) => {
      onEvent({ v: 1, type: 'plan', lab: 'a', checks: [{ id: 'x', title: 'X' }] });
      await gate;
      signal?.throwIfAborted();
      onEvent({ v: 1, type: 'result', check: 'x', status: verdict.status, message: 'm', hints: [], ms: 1 });
      return verdict;
    },
    stopAll: async () => undefined,
    dispose: async () => undefined,
  };
}

function progress() {
  const statuses = new Map<string, string>();
  return { statuses, setLabStatus: (lab: string, status: string) => void statuses.set(lab, status), labStatus: (lab: string) => statuses.get(lab) ?? 'not-started' };
}

describe('a lab session', () => {
  it('sends the latest text before checking, marks progress in-progress on the first edit and passed on a pass', async () => {
    const runtime = fakeRuntime();
    const learner = progress();
    const session = new LabSession({ lab: 'a', starter: { 'app.js': '1' }, runCommand: 'node app.js', createRuntime: async () => runtime, progress: learner, storage: new MemoryStorage() });
    await session.connect();
    session.files.edit('app.js', '12');
    expect(learner.statuses.get('a')).toBe('in-progress');
    session.files.edit('app.js', '123');
    await session.check();
    expect(runtime.written).toEqual(['app.js=123']);
    expect(learner.statuses.get('a')).toBe('passed');
    expect(session.checks.state.get().announcement).toBe('Check run 1: all 1 checks passed. Lab complete.');
  });

  it('cancels a running check when a new one starts, and only the newer run reports', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const session = new LabSession({ lab: 'a', starter: { 'app.js': '1' }, runCommand: 'x', createRuntime: async () => fakeRuntime(pass, gate), progress: progress(), storage: new MemoryStorage() });
    const first = session.check();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const second = session.check();
    open();
    await Promise.all([first, second]);
    expect(session.checks.state.get()).toMatchObject({ run: 2, phase: 'done' });
  });

  it('tells the learner when the runtime is unavailable, with the remedy, instead of hanging', async () => {
    const session = new LabSession({
      lab: 'a',
      starter: { 'app.js': '1' },
      runCommand: 'x',
      createRuntime: async () => Promise.reject(new RuntimeUnavailableError('No runtime here.', 'Run npm start.')),
      progress: progress(),
      storage: new MemoryStorage(),
    });
    await session.check();
    expect(session.run.state.get()).toMatchObject({ runtime: 'unavailable', message: 'No runtime here.', remedy: 'Run npm start.' });
    expect(session.checks.state.get()).toMatchObject({ phase: 'failed', problem: 'No runtime here.' });
  });

  it('gives up connecting after the bound', async () => {
    const hanging: LabRuntime = { ...fakeRuntime(), mount: () => new Promise(() => undefined) };
    const session = new LabSession({ lab: 'a', starter: { 'app.js': '1' }, runCommand: 'x', createRuntime: async () => hanging, progress: progress(), storage: new MemoryStorage(), connectTimeoutMs: 30 });
    expect(await session.connect()).toBeNull();
    expect(session.run.state.get().message).toMatch(/did not answer within/);
  });
});

describe('choosing the runtime', () => {
  const page = (token: string | null) => ({
    querySelector: () => (token === null ? null : ({ content: token } as HTMLMetaElement)),
  }) as unknown as Document;

  it('uses the local runner on pages it served and WebContainer elsewhere, unless overridden at build time', () => {
    expect(chooseRuntime(page('t0k3n'), undefined)).toBe('local');
    expect(chooseRuntime(page(null), undefined)).toBe('webcontainer');
    expect(chooseRuntime(page(null), 'auto')).toBe('webcontainer');
    expect(chooseRuntime(page('t0k3n'), 'webcontainer')).toBe('webcontainer');
    expect(chooseRuntime(page(null), ' LOCAL ')).toBe('local');
    expect(runtimeOverride('nonsense')).toBeNull();
  });
});
