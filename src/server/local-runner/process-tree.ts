/**
 * Spawning lab processes so that all of them can be found and killed again. Each runs as the leader of its
 * own process group; killing signals the group and every descendant found by walking parent links,
 * which also catches a grandchild that moved itself to another group (setsid, a daemonising app).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
}

/** Starts `argv` in a new process group with piped stdio. */
export function spawnGroup(argv: [string, ...string[]], options: SpawnOptions): ChildProcess {
  const [file, ...args] = argv;
  return spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
}

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

/**
 * Stops the group led by `pid` and all its descendants: `first` (SIGTERM: an app may drain) now, SIGKILL
 * for whatever still runs after `graceMs`. Resolves once none of them runs. With `firstTo: 'leader'` the
 * first signal goes to `pid` alone, as a platform stopping a process does: a program that handles it
 * once (`process.once('SIGTERM')`) and forwards it to its children would otherwise get it twice and die
 * of the second before it drained.
 */
export async function killTree(pid: number, options: { graceMs?: number; first?: NodeJS.Signals; firstTo?: 'leader' | 'tree' } = {}): Promise<void> {
  const graceMs = options.graceMs ?? 2_000;
  const known = new Set([pid, ...treeMembers(pid)]);
  const strike = (sig: NodeJS.Signals): void => {
    signal(-pid, sig);
    for (const member of known) signal(member, sig);
  };
  // Processes started while we wait (a shell forking as it dies) belong to the tree too.
  const refresh = (): boolean => {
    for (const member of treeMembers(pid, known)) known.add(member);
    return [...known].some(isAlive);
  };
  if (options.firstTo === 'leader') signal(pid, options.first ?? 'SIGTERM');
  else strike(options.first ?? 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!refresh()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!refresh()) return;
  strike('SIGKILL');
  const hardDeadline = Date.now() + 2_000;
  while (refresh() && Date.now() < hardDeadline) {
    strike('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
