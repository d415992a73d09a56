/**
 * The server stops when whatever started it goes away. `npm start` runs the start script through a shell
 * (`sh -c "node src/server/main.ts"`), and npm 11 forwards SIGTERM to that shell, not to us: the shell
 * dies and we would be left serving, re-parented to PID 1, with every lab process still running. The
 * same happens when a process manager or a test runner is killed outright. So we watch our parent, and
 * when npm started us through a shell, npm as well (the shell outlives a `kill -9` of npm, waiting for
 * us), and treat either one's end as SIGTERM.
 *
 * This needs no re-exec and no `exec` in the start script (which Windows' cmd.exe would not run).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startTime } from './local-runner/process-marks.ts';

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh', 'cmd.exe', 'cmd']);

interface Watched {
  pid: number;
  started: string | undefined;
  name: string;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    try {
      return Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || undefined;
    } catch {
      return undefined;
    }
  }
}

function nameOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    try {
      const comm = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return comm.split('/').at(-1) ?? comm;
    } catch {
      return '';
    }
  }
}

/** The processes whose end should stop the server: the parent, and npm behind a script shell. */
export function processesToWatch(env: NodeJS.ProcessEnv = process.env, ppid = process.ppid): Watched[] {
  if (ppid <= 1) return []; // PID 1 (a container's init) or no parent: nothing meaningful to watch.
  const parent: Watched = { pid: ppid, started: startTime(ppid), name: nameOf(ppid) };
  const watched = [parent];
  if (env['npm_lifecycle_event'] && SHELLS.has(parent.name)) {
    const npm = parentOf(ppid);
    if (npm !== undefined && npm > 1) watched.push({ pid: npm, started: startTime(npm), name: nameOf(npm) });
  }
  return watched;
}

/** Still the same live process: on Linux by its start time (a reused pid differs), elsewhere by signal 0. */
function alive(watched: Watched): boolean {
  if (watched.started !== undefined && process.platform === 'linux') return startTime(watched.pid) === watched.started;
  try {
    process.kill(watched.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls `onGone` once, naming the process, when a watched process ends (or its pid now belongs to another
 * process). `process.ppid` is read once at start in Node, so it cannot tell; the parent itself is polled.
 * Returns a function that stops watching.
 */
export function watchParents(onGone: (who: string) => void, options: { intervalMs?: number; env?: NodeJS.ProcessEnv } = {}): () => void {
  const watched = processesToWatch(options.env);
  if (watched.length === 0) return () => undefined;
  const timer = setInterval(() => {
    const gone = watched.find((w) => !alive(w));
    if (!gone) return;
    clearInterval(timer);
    onGone(`${gone.name || 'parent'} (pid ${gone.pid})`);
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}
