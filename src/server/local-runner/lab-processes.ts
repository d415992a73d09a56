/**
 * Every process of one runner is started and stopped here, so each one carries its mark (and joins its
 * cgroup where the machine has them) and can be found again however it left its parent: on Stop, when a
 * session closes, when the server shuts down, and at the next start after the server was killed.
 * Spawning goes through the lab kit's process module (labs/_kit/process.mjs), the one the checker and
 * `npm run check` use, so all three share one process model and one marker.
 */
import type { ChildProcess } from 'node:child_process';
import { createSupervisor } from '../../../labs/_kit/process.mjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCgroup, joinCgroupArgv, orphanedCgroups, probeCgroups, removeCgroup, runnerCgroupName } from './cgroups.ts';
import { formatMark, markedProcesses, newRunnerIdentity, serverAlive, type Mark, type RunnerIdentity } from './process-marks.ts';
import { stopProcesses } from './process-tree.ts';

export interface StopOptions {
  graceMs?: number;
  first?: NodeJS.Signals;
  /** 'leader': the first signal goes to the roots alone, as a platform stopping a process does. */
  firstTo?: 'leader' | 'tree';
}

/** The processes of one session, as the session's parts see them. */
export interface SessionProcesses {
  /** Starts `argv` marked as `role` of this session (roles are unique within a session). */
  spawn(role: string, argv: [string, ...string[]], options: { cwd: string; env: Record<string, string> }): ChildProcess;
  /** Stops every process of the roles `which` accepts, plus the trees of `roots`; resolves when none runs. */
  stop(which: (role: string) => boolean, roots?: number[], options?: StopOptions): Promise<number>;
}

export class LabProcesses {
  readonly identity: RunnerIdentity;
  /** The runner's own cgroup, when the machine lets us make one. */
  readonly cgroup: string | undefined;
  readonly #cgroupParent: string | undefined;

  constructor(options: { cgroups?: boolean } = {}) {
    this.identity = newRunnerIdentity();
    this.#cgroupParent = options.cgroups === false ? undefined : probeCgroups();
    this.cgroup = this.#cgroupParent ? createCgroup(join(this.#cgroupParent, runnerCgroupName(this.identity))) : undefined;
  }

  /** How processes are tracked here, for the start-up log line. */
  get tracking(): string {
    const marks = process.platform === 'linux' ? 'environment marks (/proc)' : 'environment marks (ps -E, best effort)';
    return this.cgroup ? `cgroups + ${marks} + process groups` : `${marks} + process groups`;
  }

  #mine(mark: Mark): boolean {
    const { serverPid, serverStart, nonce } = this.identity;
    return mark.serverPid === serverPid && mark.serverStart === serverStart && mark.nonce === nonce;
  }

  #cgroupOf(session: string, role?: string): string | undefined {
    return this.cgroup ? join(this.cgroup, role === undefined ? session : `${session}.${role}`) : undefined;
  }

  forSession(session: string): SessionProcesses {
    return {
      spawn: (role, argv, options) => {
        const dir = this.#cgroupOf(session, role);
        const [program, ...args] = dir && createCgroup(dir) ? joinCgroupArgv(dir, argv) : argv;
        // The kit's supervisor, as the checker and `npm run check` use it: in the posix model the process
        // leads its own group, and it carries the kit's marker, here set to this process's mark. Signals
        // are delivered natively: these are shells and commands, not apps the SIGTERM shim is for.
        const supervisor = createSupervisor({ session: formatMark({ ...this.identity, session, role }), delivery: 'native' });
        return supervisor.spawn(program, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] }).child;
      },
      stop: async (which, roots = [], options = {}) => {
        const cgroups = this.#cgroupsOf(session, which);
        const found = await stopProcesses(
          { roots, marks: (mark) => this.#mine(mark) && mark.session === session && which(mark.role), cgroups },
          options,
        );
        for (const dir of cgroups) removeCgroup(dir);
        return found;
      },
    };
  }

  #cgroupsOf(session: string, which: (role: string) => boolean): string[] {
    if (!this.cgroup) return [];
    try {
      return readdirSync(this.cgroup)
        .filter((name) => name.startsWith(`${session}.`) && which(name.slice(session.length + 1)))
        .map((name) => join(this.cgroup as string, name));
    } catch {
      return [];
    }
  }

  /** Stops every process this runner started, whatever session it belonged to (server shutdown). */
  async stopAll(options: StopOptions = {}): Promise<number> {
    const found = await stopProcesses({ roots: [], marks: (mark) => this.#mine(mark), cgroups: this.cgroup ? [this.cgroup] : [] }, options);
    if (this.cgroup) removeCgroup(this.cgroup);
    return found;
  }

  /**
   * Kills what runners that no longer run left behind (the server was killed with SIGKILL, or crashed):
   * their marked processes and their cgroups. Returns how many processes were found.
   */
  async sweepOrphans(): Promise<number> {
    const orphanedGroups = this.#cgroupParent ? orphanedCgroups(this.#cgroupParent) : [];
    const found = await stopProcesses(
      { roots: [], marks: (mark) => !this.#mine(mark) && !serverAlive(mark), cgroups: orphanedGroups },
      { graceMs: 0, first: 'SIGKILL' },
    );
    for (const dir of orphanedGroups) removeCgroup(dir);
    return found;
  }
}

/** Marked processes of runners that no longer run (for tests and the start-up log). */
export function orphanedProcesses(): number[] {
  return markedProcesses()
    .filter(({ mark }) => !serverAlive(mark))
    .map(({ pid }) => pid);
}
