/**
 * A lab session on the WebContainer adapter and the quirky fake: what the learner sees in the run store
 * when booting takes long, when Stop meets a process that ignores it, and after restarting the runtime.
 */
import { describe, expect, it } from 'vitest';
import { LabSession } from '../../../src/workspace/session.ts';
import { statusText } from '../../../src/components/workspace/status-line.ts';
import type { LabRuntime } from '../../../src/workspace/runtime/types.ts';
import { ALL_QUIRKS, FakeWebContainer } from './fake-webcontainer.ts';
import { FAST, runtimeWith } from './webcontainer-harness.ts';
import { MemoryStorage } from './memory-storage.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function progress() {
  return { setLabStatus: () => undefined, labStatus: () => 'not-started' };
}

function session(createRuntime: () => Promise<LabRuntime>, runCommand = 'node spin.js'): LabSession {
  return new LabSession({ lab: '03-config', starter: { 'app.js': 'start' }, runCommand, createRuntime, progress: progress(), storage: new MemoryStorage(), connectTimeoutMs: 50 });
}

describe('a lab session on WebContainer', () => {
  it('waits as long as the runtime boots, showing its progress, rather than its own shorter bound', async () => {
    let finish!: (container: FakeWebContainer) => void;
    const container = new FakeWebContainer(ALL_QUIRKS);
    const runtime = runtimeWith(container, { boot: () => new Promise((resolve) => (finish = resolve)), timing: { ...FAST, bootMs: 2_000, progressEveryMs: 1_100 } });
    const lab = session(async () => runtime);
    const connecting = lab.connect();
    await sleep(1_300);
    // The session's own bound (50 ms here) has long passed; the runtime's 2 s have not.
    expect(statusText(lab.run.state.get(), { task: null, quiet: false })).toBe('Starting the in-browser Node runtime… (1 s; it may take up to 2 s)');
    finish(container);
    expect(await connecting).toBe(runtime);
    expect(lab.run.state.get()).toMatchObject({ runtime: 'ready', adapter: 'webcontainer', progress: null });
  });

  it('keeps a busy app running when Stop times out, offers a restart, and the restart stops it', async () => {
    const booted = [new FakeWebContainer(ALL_QUIRKS)];
    const make = (container: FakeWebContainer): FakeWebContainer => {
      container.programs.set('node', async ({ busy }) => (busy(), new Promise<number>(() => undefined)));
      return container;
    };
    make(booted[0]!);
    const runtime = runtimeWith(booted[0]!, {
      boot: async () => {
        if (booted.at(-1)!.tornDown) booted.push(make(new FakeWebContainer(ALL_QUIRKS)));
        return booted.at(-1)!;
      },
    });
    const lab = session(async () => runtime);
    await lab.connect();
    await lab.start();
    expect(lab.run.state.get().app).toBe('running');
    expect(await lab.stop()).toBe(false);
    expect(lab.run.state.get()).toMatchObject({ app: 'running', problem: { restart: true, message: expect.stringMatching(/Restart the lab runtime/) } });
    // Run again must not start a second app beside the one that would not stop.
    await lab.start();
    expect(booted[0]!.running).toEqual(['node spin.js']);
    lab.files.edit('app.js', 'edited');
    await lab.restartRuntime();
    expect(lab.run.state.get()).toMatchObject({ app: 'stopped', problem: null, runtime: 'ready' });
    expect(booted[0]!.tornDown).toBe(true);
    expect(booted[1]!.files.get('app.js')).toBe('edited');
    expect(booted[1]!.running).toEqual([]);
  });

  it('fetches the packages when the learner starts typing, not before', async () => {
    const container = new FakeWebContainer(ALL_QUIRKS);
    const runtime = runtimeWith(container);
    const lab = session(async () => runtime);
    await lab.connect();
    await sleep(50);
    expect(runtime.fetched).toBe(0);
    lab.files.edit('app.js', 'typing');
    await sleep(1_300);
    expect(runtime.fetched).toBe(1);
    expect(container.snapshots).toHaveLength(1);
  });
});
