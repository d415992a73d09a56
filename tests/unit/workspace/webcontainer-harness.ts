/** Shared set-up for the WebContainer adapter's tests: short bounds, a lab, a scripted checker's output. */
import { WebContainerRuntime, type Timing, type WebContainerDeps } from '../../../src/workspace/runtime/webcontainer/webcontainer-runtime.ts';
import type { FakeWebContainer } from './fake-webcontainer.ts';

export const FAST: Timing = { bootMs: 300, progressEveryMs: 40, drainMs: 20, graceMs: 50, stopMs: 100, verdictExitMs: 100, redisMs: 300 };
export const snapshot = new Uint8Array([0x81, 0xa1, 0x64, 0x80]);
export const lab = { lab: '03-config', files: { 'app.js': 'console.log(1)', 'src/redis.js': 'x' } };

/** A runtime on `container`; `fetched` counts snapshot downloads. */
export function runtimeWith(container: FakeWebContainer, change: Partial<WebContainerDeps> = {}): WebContainerRuntime & { fetched: number } {
  const counter = { fetched: 0 };
  const runtime = new WebContainerRuntime({
    boot: async () => {
      if (container.tornDown) throw new Error('test: boot after teardown needs a new container');
      return container;
    },
    teardown: (torn) => torn.teardown(),
    loadAssets: async () => ({
      hidden: { '.lab/check.mjs': '// checker' },
      nodeModules: async () => {
        counter.fetched += 1;
        return snapshot.slice();
      },
    }),
    isolated: true,
    timing: FAST,
    ...change,
  });
  return Object.defineProperty(runtime, 'fetched', { get: () => counter.fetched }) as WebContainerRuntime & { fetched: number };
}

export const events = [
  { v: 1, type: 'plan', lab: '03-config', checks: [{ id: 'port', title: 'Port' }] },
  { v: 1, type: 'log', check: 'port', source: 'checker', text: 'Started the app on 40123' },
  { v: 1, type: 'result', check: 'port', status: 'pass', message: 'ok', hints: [], ms: 12 },
  { v: 1, type: 'done', status: 'pass', passed: 1, failed: 0, errored: 0 },
];
export const protocolText = events.map((event) => JSON.stringify(event)).join('\r\n') + '\r\n';

