// The process module in both models: posix (groups, tree kill) and portable (no groups, no negative pids,
// the SIGTERM shim, pid records), the latter also on a fake system where a negative pid throws, as it
// may where process groups do not exist.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSupervisor, killLeftovers, probeSignalDelivery, processModel } from '../../../labs/_kit/process.mjs';

type Supervisor = ReturnType<typeof createSupervisor>;
const supervisors: Supervisor[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !existsSync(`/proc/${pid}/stat`) || !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(test: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!test() && Date.now() < deadline) await sleep(20);
  return test();
}

/** Output of a spawned process, as text so far. */
function output(proc: { child: { stdout: NodeJS.ReadableStream | null } }) {
  let text = '';
  proc.child.stdout?.setEncoding('utf8');
  proc.child.stdout?.on('data', (c: string) => (text += c));
  return () => text;
}

const HANDLER = `process.on('SIGTERM', () => { console.log('handled SIGTERM'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`;
const NO_HANDLER = `console.log('up'); setInterval(() => {}, 1000);`;
// Starts a grandchild (itself a Node process) and prints its pid.
const TREE = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`;

/** A system where process groups do not exist: a negative pid throws, as it may under WebContainer. */
const noGroups = {
  negativeCalls: 0,
  spawn,
  kill(pid: number, signal: NodeJS.Signals | number) {
    if (pid < 0) {
      noGroups.negativeCalls++;
      throw Object.assign(new Error('negative pids are not supported'), { code: 'ENOSYS' });
    }
    process.kill(pid, signal);
  },
};

async function supervisor(options: Parameters<typeof createSupervisor>[0]) {
  const s = createSupervisor(options);
  supervisors.push(s);
  await s.ready();
  return s;
}

describe('process model choice', () => {
  it('is posix here, forced by LAB_PROCESS_MODEL, and a wrong value is an error naming both values', () => {
    expect(processModel({})).toBe(process.platform === 'win32' ? 'portable' : 'posix');
    expect(processModel({ LAB_PROCESS_MODEL: 'portable' })).toBe('portable');
    expect(() => processModel({ LAB_PROCESS_MODEL: 'groups' })).toThrow(/"groups".*"posix" or "portable"/);
  });

  it('probes native SIGTERM delivery: it reaches a handler on this machine', async () => {
    expect(await probeSignalDelivery()).toBe(true);
  });
});

describe('posix model', () => {
  it('signals the whole group and kills the tree, grandchildren included; every process carries the marker', async () => {
    const s = await supervisor({ model: 'posix', session: 'posix-test' });
    const proc = s.spawn(process.execPath, ['-e', TREE], { env: { PATH: process.env['PATH'] ?? '' } });
    const text = output(proc);
    expect(await until(() => /^\d+\n/.test(text()))).toBe(true);
    const grandchild = Number(text().trim());
    expect(readFileSync(`/proc/${grandchild}/environ`, 'latin1')).toContain('TWELVE_FACTOR_LAB=posix-test');
    expect(s.signal(proc, 'SIGTERM')).toBe('group');
    expect(await until(() => !alive(grandchild))).toBe(true);
    expect((await proc.exited).signal).toBe('SIGTERM');
  });
});

describe('portable model on a system without process groups', () => {
  it('never uses a negative pid: signals reach the process itself, kill ends it', async () => {
    noGroups.negativeCalls = 0;
    const s = await supervisor({ model: 'portable', delivery: 'native', system: noGroups });
    const proc = s.spawn(process.execPath, ['-e', HANDLER]);
    const text = output(proc);
    expect(await until(() => text().includes('up'))).toBe(true);
    expect(s.signal(proc, 'SIGTERM')).toBe('process');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(text()).toContain('handled SIGTERM');
    const other = s.spawn(process.execPath, ['-e', NO_HANDLER]);
    s.kill(other);
    expect((await other.exited).signal).toBe('SIGKILL');
    expect(noGroups.negativeCalls).toBe(0);
  });

  it('the shim delivers SIGTERM in-process to a handler, and the transcript can say so', async () => {
    const s = await supervisor({ model: 'portable', delivery: 'shim', system: noGroups });
    const proc = s.spawn(process.execPath, ['-e', HANDLER]);
    const text = output(proc);
    expect(await until(() => text().includes('up'))).toBe(true);
    expect(await until(() => s.members(proc).includes(proc.pid!))).toBe(true);
    expect(s.signal(proc, 'SIGTERM')).toBe('shim');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(text()).toBe('up\nhandled SIGTERM\n');
  });

  it('with the shim, an app without a handler ends as if killed by SIGTERM', async () => {
    const s = await supervisor({ model: 'portable', delivery: 'shim', system: noGroups });
    const proc = s.spawn(process.execPath, ['-e', NO_HANDLER]);
    const text = output(proc);
    expect(await until(() => text().includes('up'))).toBe(true);
    expect(await until(() => s.members(proc).includes(proc.pid!))).toBe(true);
    expect(s.signal(proc, 'SIGTERM')).toBe('shim');
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('the shim changes nothing else: no output, and it does not keep a finished app alive', async () => {
    const s = await supervisor({ model: 'portable', delivery: 'shim', system: noGroups });
    const started = Date.now();
    const proc = s.spawn(process.execPath, ['-e', `console.log('only this'); setTimeout(() => {}, 50);`], { env: { PATH: process.env['PATH'] ?? '' } });
    let err = '';
    proc.child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
    const text = output(proc);
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(text()).toBe('only this\n');
    expect(err).toBe('');
  });

  it('kills what it spawned and the Node processes below it that the shim knows, without groups', async () => {
    noGroups.negativeCalls = 0;
    const s = await supervisor({ model: 'portable', delivery: 'shim', system: noGroups });
    const proc = s.spawn(process.execPath, ['-e', TREE]);
    const text = output(proc);
    expect(await until(() => /^\d+\n/.test(text()))).toBe(true);
    const grandchild = Number(text().trim());
    // The grandchild's shim introduces itself: the supervisor now knows it belongs to this spawn.
    expect(await until(() => s.members(proc).includes(grandchild))).toBe(true);
    s.kill(proc);
    await proc.exited;
    expect(await until(() => !alive(grandchild))).toBe(true);
    expect(noGroups.negativeCalls).toBe(0);
  });

  it('with native delivery too, Node processes below the spawned one are known and killed: signals still go to the process alone', async () => {
    noGroups.negativeCalls = 0;
    const s = await supervisor({ model: 'portable', delivery: 'native', system: noGroups });
    const proc = s.spawn(process.execPath, ['-e', TREE]);
    const text = output(proc);
    expect(await until(() => /^\d+\n/.test(text()))).toBe(true);
    const grandchild = Number(text().trim());
    expect(await until(() => s.members(proc).includes(grandchild))).toBe(true);
    expect(s.signal(proc, 'SIGINT')).toBe('process');
    await proc.exited;
    expect(alive(grandchild)).toBe(true);
    s.kill(proc);
    expect(await until(() => !alive(grandchild))).toBe(true);
    expect(noGroups.negativeCalls).toBe(0);
  });

  it('an app that starts the real server as its child and exits leaves nothing behind: not the server, not an open pipe', async () => {
    // The wrapper hands its own output to the server and exits at once: the server holds the pipe.
    const WRAPPER = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'console.log("server " + process.pid); setInterval(() => {}, 1000)'], { stdio: 'inherit' }); c.unref();`;
    const s = createSupervisor({ model: 'portable', delivery: 'native', system: noGroups });
    await s.ready();
    const proc = s.spawn(process.execPath, ['-e', WRAPPER]);
    const text = output(proc);
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(await until(() => /server \d+/.test(text()))).toBe(true);
    const server = Number(text().match(/server (\d+)/)![1]);
    expect(await until(() => s.members(proc).includes(server))).toBe(true);
    expect(alive(server)).toBe(true);
    let closed = false;
    proc.child.stdout!.once('close', () => (closed = true));
    await s.close();
    expect(await until(() => !alive(server))).toBe(true);
    expect(await until(() => closed)).toBe(true);
  });

  it('records pids so the next run kills what a crashed run left behind, and only that', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pids-'));
    dirs.push(dir);
    const pidFile = join(dir, 'pids.ndjson');
    const crashed = createSupervisor({ model: 'portable', delivery: 'native', pidFile, session: 'crashed-run', system: noGroups });
    const left = crashed.spawn(process.execPath, ['-e', NO_HANDLER]);
    const bystander = spawn(process.execPath, ['-e', NO_HANDLER], { stdio: 'ignore' });
    expect(readFileSync(pidFile, 'utf8')).toContain(`"pid":${left.pid}`);
    // The crashed run never closes its supervisor; the next run cleans up.
    const killed = killLeftovers(pidFile, { model: 'portable', system: noGroups });
    expect(killed).toEqual([left.pid]);
    expect((await left.exited).signal).toBe('SIGKILL');
    expect(alive(bystander.pid!)).toBe(true);
    expect(readFileSync(pidFile, 'utf8')).toBe('');
    bystander.kill('SIGKILL');
  });
});
