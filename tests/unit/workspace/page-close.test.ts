// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { LabSession } from '../../../src/workspace/session.ts';
import { LocalRuntime } from '../../../src/workspace/runtime/local/local-runtime.ts';
import type { LabRuntime } from '../../../src/workspace/runtime/types.ts';
import { MemoryStorage } from './memory-storage.ts';

const events = () => ({ onmessage: null, onerror: null, close: () => undefined }) as unknown as EventSource;

describe('closing the lab tab', () => {
  it('the local adapter sends one beacon that closes its session, with the token in the query', async () => {
    const beacons: string[] = [];
    const runtime = new LocalRuntime({
      token: 'a+b/c',
      fetch: async (input) => (String(input).endsWith('/sessions') ? Response.json({ session: 's1' }) : Response.json({ process: 'p1' })),
      openEvents: events,
      beacon: (url) => beacons.push(url) > 0,
    });
    runtime.release();
    expect(beacons).toEqual([]);
    await runtime.mount({ lab: '03-config', files: {} });
    const app = await runtime.run('node .lab/run.mjs', { onOutput: () => undefined });
    runtime.release();
    expect(beacons).toEqual(['/__runner/sessions/s1/close?token=a%2Bb%2Fc']);
    expect(await app.exit).toBeNull();
  });

  it('the session asks its runtime to release everything on pagehide and shows the app stopped', async () => {
    let released = 0;
    const runtime: LabRuntime = {
      kind: 'local',
      mount: async () => undefined,
      writeFile: async () => undefined,
      run: async () => ({ exit: new Promise(() => undefined), write: () => undefined, kill: async () => undefined }),
      shell: async () => null,
      check: async () => ({ v: 1, type: 'done', status: 'pass', passed: 0, failed: 0, errored: 0 }),
      stopAll: async () => undefined,
      dispose: async () => undefined,
      release: () => void released++,
    };
    const session = new LabSession({
      lab: 'a',
      starter: { 'app.js': '1' },
      runCommand: 'x',
      createRuntime: async () => runtime,
      progress: { setLabStatus: () => undefined, labStatus: () => 'in-progress' },
      storage: new MemoryStorage(),
    });
    await session.start();
    expect(session.run.state.get().app).toBe('running');
    dispatchEvent(new Event('pagehide'));
    expect(released).toBe(1);
    expect(session.run.state.get().app).toBe('stopped');
    await session.dispose();
    dispatchEvent(new Event('pagehide'));
    expect(released).toBe(1);
  });
});
