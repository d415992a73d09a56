/**
 * Finding and stopping lab processes. Each runs as the leader of its own process group (the kit's posix
 * model, see lab-processes.ts); stopping signals the group, every descendant found by walking parent links (which
 * catches a grandchild that moved itself to another group while its parent lives), every process that
 * carries the target's mark (which catches the ones whose parent is gone: see process-marks.ts), and the
 * members of the target's cgroups where the machine has them (cgroups.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cgroupMembers, killCgroup } from './cgroups.ts';
import { markedProcesses, type Mark } from './process-marks.ts';

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

function procStat(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

/** Every live process on the machine (zombies excluded). */
function processTable(): ProcInfo[] {
  if (hasProc) {
    const table: ProcInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = procStat(Number(name));
      if (info && info.state !== 'Z' && info.state !== 'X') table.push(info);
    }
    return table;
  }
  const out = execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'pgid=', '-o', 'stat='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 4 && !(f[3] ?? '').startsWith('Z'))
    .map(([pid, ppid, pgid, state]) => ({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), state: state ?? '?' }));
}

/**
 * Every process that belongs to the tree of `pid`: its descendants, and members of the process group
 * it leads (which outlive the leader and lose their parent link when it exits), and descendants of
 * `roots` (members seen earlier, whose own children were reparented when they died).
 */
export function treeMembers(pid: number, roots: Iterable<number> = []): number[] {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const info of table) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  const found = new Set<number>(table.filter((info) => info.pgid === pid && info.pid !== pid).map((info) => info.pid));
  const queue = [pid, ...found, ...roots];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  found.delete(pid);
  return [...found];
}

/** True while `pid` runs; a zombie waiting to be reaped counts as gone. */
export function isAlive(pid: number): boolean {
  if (hasProc) {
    const stat = procStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // Already gone, or never ours: nothing left to stop.
  }
}

/** What belongs to one thing being stopped (a process, a check run, a session, the whole runner). */
export interface StopTarget {
  /** Group leaders the runner spawned: their groups and their descendants belong to the target. */
  roots: number[];
  /** Marked processes (see process-marks.ts) that belong to the target, whatever their ancestry. */
  marks?: (mark: Mark) => boolean;
  /** cgroups whose members (and sub-cgroups' members) belong to the target. */
  cgroups?: string[];
}

/** Every descendant of `seeds` (by parent links), seeds excluded. */
function descendants(seeds: Iterable<number>): number[] {
  const children = new Map<number, number[]>();
  for (const info of processTable()) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  const found = new Set<number>();
  const queue = [...seeds];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  return [...found];
}

/**
 * Adds to `known` everything that belongs to `target`: the groups of its roots, the marked processes,
 * the cgroups' members, and every descendant of any of those (which catches a child that cleared its
 * environment while its parent still runs).
 */
function members(target: StopTarget, known: Set<number>): void {
  for (const root of target.roots) {
    known.add(root);
    for (const member of treeMembers(root)) known.add(member);
  }
  if (target.marks) for (const { pid, mark } of markedProcesses()) if (target.marks(mark)) known.add(pid);
  for (const dir of target.cgroups ?? []) for (const pid of cgroupMembers(dir)) known.add(pid);
  for (const pid of descendants(known)) known.add(pid);
  known.delete(process.pid);
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops everything that belongs to `target`: `first` (SIGTERM: an app may drain) now, then after
 * `graceMs` whatever still runs is frozen (SIGSTOP, so it cannot fork a replacement) and killed. The
 * search is repeated throughout, so processes started meanwhile (a shell forking as it dies) are found
 * too. Resolves with the number of processes found once none of them runs, or after a bounded effort.
 */
export async function stopProcesses(
  target: StopTarget,
  options: { graceMs?: number; first?: NodeJS.Signals; firstTo?: 'leader' | 'tree' } = {},
): Promise<number> {
  const graceMs = options.graceMs ?? 2_000;
  const known = new Set<number>();
  members(target, known);
  const strike = (sig: NodeJS.Signals): void => {
    for (const root of target.roots) signal(-root, sig);
    for (const member of known) signal(member, sig);
  };
  const alive = (): boolean => [...known].some(isAlive);
  if (options.firstTo === 'leader') for (const root of target.roots) signal(root, options.first ?? 'SIGTERM');
  else strike(options.first ?? 'SIGTERM');
  const deadline = Date.now() + graceMs;
  // A full search reads every process's environment, so between searches only the known pids are polled.
  for (let round = 0; Date.now() < deadline; round++) {
    if (round % 5 === 0) members(target, known);
    if (!alive()) {
      members(target, known);
      if (!alive()) return known.size;
    }
    await pause(50);
  }
  const hardDeadline = Date.now() + 3_000;
  do {
    members(target, known);
    for (const dir of target.cgroups ?? []) killCgroup(dir);
    strike('SIGSTOP');
    strike('SIGKILL');
    if (!alive()) break;
    await pause(20);
  } while (Date.now() < hardDeadline);
  return known.size;
}

/**
 * Stops the group led by `pid` and all its descendants: `first` (SIGTERM: an app may drain) now, SIGKILL
 * for whatever still runs after `graceMs`. Resolves once none of them runs. With `firstTo: 'leader'` the
 * first signal goes to `pid` alone, as a platform stopping a process does: a program that handles it
 * once (`process.once('SIGTERM')`) and forwards it to its children would otherwise get it twice and die
 * of the second before it drained.
 */
export async function killTree(pid: number, options: { graceMs?: number; first?: NodeJS.Signals; firstTo?: 'leader' | 'tree' } = {}): Promise<void> {
  await stopProcesses({ roots: [pid] }, options);
}
