/**
 * Finding a lab's processes whatever became of their ancestry. A process tree loses track of a child
 * that calls `setsid`, of a detached-and-unref'd grandchild whose parent exited, of a shell's background
 * job and of everything once the server itself was killed with `kill -9`: all of those are re-parented
 * to PID 1. So every process the runner starts carries a mark in its environment, in the variable the
 * lab kit uses for every lab process (`MARKER` of labs/_kit/process.mjs),
 *
 *   TWELVE_FACTOR_LAB=runner:<server pid>.<server start time>.<runner nonce>:<session>:<role>
 *
 * which its descendants inherit (a checker run appends `/<its own run>`, so the processes it starts keep
 * the runner's mark as their prefix), and which the runner reads back from `/proc/<pid>/environ` (Linux) or
 * `ps -E` (macOS and other BSDs, best effort: see README "Security"). The server's pid together with its
 * start time says whether the runner that started a process is still alive, also after the pid was reused,
 * so the next start can end what a killed server left running.
 *
 * A process that deliberately clears its environment (`env -i`, `spawn` with a fresh `env`) loses the
 * mark; the process-group and tree walks in `process-tree.ts`, and a cgroup where the machine grants one
 * (`cgroups.ts`), still catch it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { MARKER } from '../../../labs/_kit/process.mjs';

/** The environment variable that marks lab processes: the kit's. */
export const MARK_VARIABLE: string = MARKER;

/** A runner's mark, optionally followed by `/…` where a checker run extended it for its own processes. */
const MARK = /^runner:(\d+)\.(\d+)\.([A-Za-z0-9_-]+):([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)(?:\/[^\s]*)?$/;

export interface Mark {
  /** The server process that started it. */
  serverPid: number;
  /** That server's start time (clock ticks since boot on Linux, seconds since 1970 elsewhere). */
  serverStart: string;
  /** Tells apart two runners in one process (tests start several). */
  nonce: string;
  session: string;
  /** `p1`, `p2`, … for commands and shells, `check-1`, … for checker runs, `redis` for the session's Redis. */
  role: string;
}

export function formatMark(mark: Mark): string {
  return `runner:${mark.serverPid}.${mark.serverStart}.${mark.nonce}:${mark.session}:${mark.role}`;
}

export function parseMark(value: string): Mark | undefined {
  const m = MARK.exec(value);
  if (!m) return undefined;
  return { serverPid: Number(m[1]), serverStart: m[2] as string, nonce: m[3] as string, session: m[4] as string, role: m[5] as string };
}

const hasProc = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

/** When `pid` started, in a form that changes if the pid is reused; undefined when it does not run. */
export function startTime(pid: number): string | undefined {
  if (hasProc) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[0] === 'Z' ? undefined : fields[19];
    } catch {
      return undefined;
    }
  }
  try {
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const seconds = Math.floor(Date.parse(started) / 1000);
    return Number.isFinite(seconds) ? String(seconds) : undefined;
  } catch {
    return undefined;
  }
}

/** The identity of one runner in this server process. */
export interface RunnerIdentity {
  serverPid: number;
  serverStart: string;
  nonce: string;
}

export function newRunnerIdentity(): RunnerIdentity {
  return { serverPid: process.pid, serverStart: startTime(process.pid) ?? '0', nonce: randomBytes(6).toString('base64url') };
}

/** True while the server that made `mark` still runs (same pid, same start time). */
export function serverAlive(mark: Pick<Mark, 'serverPid' | 'serverStart'>): boolean {
  if (mark.serverPid === process.pid) return true;
  const started = startTime(mark.serverPid);
  return started !== undefined && started === mark.serverStart;
}

const NEEDLE = Buffer.from(`${MARK_VARIABLE}=`);

function markIn(environ: Buffer): string | undefined {
  let at = environ.indexOf(NEEDLE);
  // Only at the start of a variable: another variable's value may contain the text.
  while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(NEEDLE, at + 1);
  if (at < 0) return undefined;
  const end = environ.indexOf(0, at);
  return environ.subarray(at + NEEDLE.length, end < 0 ? undefined : end).toString('utf8');
}

/**
 * Every live process that carries a runner mark, with the mark. Processes of other users cannot be read
 * and are skipped (the runner never starts any). Zombies are left out: they are already dead.
 */
export function markedProcesses(): { pid: number; mark: Mark }[] {
  const found: { pid: number; mark: Mark }[] = [];
  if (hasProc) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (pid === process.pid) continue;
      let value: string | undefined;
      try {
        value = markIn(readFileSync(`/proc/${name}/environ`));
      } catch {
        continue;
      }
      const mark = value === undefined ? undefined : parseMark(value);
      // A zombie's environment reads as empty, so the dead are never listed.
      if (mark) found.push({ pid, mark });
    }
    return found;
  }
  // BSD `ps -E` appends the environment to the command; `-ww` keeps it from being cut at the terminal width.
  let out = '';
  try {
    out = execFileSync('ps', ['-A', '-E', '-ww', '-o', 'pid=,stat=,command='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return found;
  }
  const pattern = new RegExp(`(?:^|\\s)${MARK_VARIABLE}=(\\S+)`);
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s(.*)$/.exec(line);
    if (!m || (m[2] as string).startsWith('Z')) continue;
    const value = pattern.exec(m[3] as string)?.[1];
    const mark = value === undefined ? undefined : parseMark(value);
    if (mark && Number(m[1]) !== process.pid) found.push({ pid: Number(m[1]), mark });
  }
  return found;
}
