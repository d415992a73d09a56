import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MARKER } from '../../../labs/_kit/process.mjs';
import { formatMark, markedProcesses, newRunnerIdentity, parseMark, serverAlive } from '../../../src/server/local-runner/process-marks.ts';
import { eventually } from './helpers.ts';

describe('process marks', () => {
  const identity = newRunnerIdentity();

  it('round-trip, and a checker run’s extension keeps the runner’s mark as its prefix', () => {
    const mark = formatMark({ ...identity, session: 'abc_DEF-1', role: 'check-2' });
    expect(parseMark(mark)).toEqual({ ...identity, session: 'abc_DEF-1', role: 'check-2' });
    expect(parseMark(`${mark}/4242-deadbeef`)).toEqual({ ...identity, session: 'abc_DEF-1', role: 'check-2' });
    for (const foreign of ['4242-deadbeef', 'runner:1.2:s:r', `${mark} extra`, '']) expect(parseMark(foreign), foreign).toBeUndefined();
  });

  it('tell a live server from a dead one, also when its pid was reused', () => {
    expect(serverAlive(identity)).toBe(true);
    expect(serverAlive({ serverPid: process.pid === 1 ? 2 : 1, serverStart: '0' })).toBe(false);
    expect(serverAlive({ serverPid: 999_999_999, serverStart: identity.serverStart })).toBe(false);
  });

  it('are read back from the environment of a process, whoever its parent is', async () => {
    const mark = `${formatMark({ ...identity, session: 'probe', role: 'p1' })}/child-run`;
    const child = spawn('sleep', ['30'], { env: { PATH: process.env['PATH'] ?? '', [MARKER]: mark }, detached: true, stdio: 'ignore' });
    try {
      expect(await eventually(() => markedProcesses().some(({ pid }) => pid === child.pid))).toBe(true);
      expect(markedProcesses().find(({ pid }) => pid === child.pid)?.mark).toMatchObject({ session: 'probe', role: 'p1' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
