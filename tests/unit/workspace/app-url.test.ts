import { describe, expect, it } from 'vitest';
import { spotAppUrl } from '../../../src/workspace/runtime/app-url.ts';
import { createRunStore } from '../../../src/workspace/stores/run.ts';

describe("spotting the running app's address", () => {
  it('takes the address from the launcher line, across chunk boundaries, and each instance of several', () => {
    const urls: string[] = [];
    const feed = spotAppUrl((url) => urls.push(url));
    feed('[lab] Instance A on port 3000\n[lab] The visitor counter answers at http://local');
    feed('host:3000/\r\n[B] [lab] ignored\n[lab] The visitor counter answers at http://localhost:3001/.\n');
    expect(urls).toEqual(['http://localhost:3000/', 'http://localhost:3001/']);
  });

  it('ignores the Redis address, URLs the app itself logs, and a line that never ends', () => {
    const urls: string[] = [];
    const feed = spotAppUrl((url) => urls.push(url));
    feed('[lab] Using the embedded Redis at redis://127.0.0.1:6379\n');
    feed('Listening on http://0.0.0.0:3000\n');
    feed(`[lab] ${'x'.repeat(2000)} http://localhost:3000/`);
    expect(urls).toEqual([]);
  });
});

describe('the run store keeps the app address only while the app runs', () => {
  it('accepts it while starting or running and forgets it when the app stops or restarts', () => {
    const run = createRunStore();
    run.appUrl('http://localhost:3000/');
    expect(run.state.get().appUrl).toBeNull();
    run.app('starting');
    run.appUrl('http://localhost:3000/');
    run.app('running');
    expect(run.state.get().appUrl).toBe('http://localhost:3000/');
    run.app('stopping');
    expect(run.state.get().appUrl).toBeNull();
    run.app('starting');
    expect(run.state.get().appUrl).toBeNull();
  });
});
