/**
 * A control group (cgroup v2) per lab process, where the machine lets this user make one. Unlike the
 * environment mark, membership cannot be shed by clearing the environment, and the kernel ends every
 * member at once (`cgroup.kill`). Linux only, and only where the server's own cgroup is writable: as root,
 * or under a delegated subtree (`systemd-run --user --scope npm start`). Elsewhere the runner relies on
 * marks and process groups alone; `probeCgroups` says which.
 *
 * Layout: `<our cgroup>/twelve-factor-<server pid>.<start>.<nonce>/<session>.<role>`. A process joins its
 * cgroup before it runs any lab code: it is started through `sh -c 'echo $$ > …/cgroup.procs; exec …'`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunnerIdentity } from './process-marks.ts';
import { serverAlive } from './process-marks.ts';

const PREFIX = 'twelve-factor-';

/** The folder under which this server may create cgroups, or undefined where it may not. */
export function probeCgroups(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((line) => line.startsWith('0::'));
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' - '))
      .find(([, fs]) => fs?.startsWith('cgroup2 '))?.[0]
      ?.split(' ')[4];
    if (own === undefined || mount === undefined) return undefined;
    const parent = join(mount, own.slice(3).trim());
    const probe = join(parent, `${PREFIX}probe-${process.pid}-${Date.now()}`);
    mkdirSync(probe);
    try {
      // Without cgroup.kill (Linux < 5.14) members would have to be killed one by one; still worth it.
      if (!existsSync(join(probe, 'cgroup.procs'))) return undefined;
    } finally {
      rmdirSync(probe);
    }
    return parent;
  } catch {
    return undefined;
  }
}

export function runnerCgroupName(identity: RunnerIdentity): string {
  return `${PREFIX}${identity.serverPid}.${identity.serverStart}.${identity.nonce}`;
}

/** Pids in `dir` and every cgroup below it. */
export function cgroupMembers(dir: string): number[] {
  const pids: number[] = [];
  const walk = (folder: string): void => {
    try {
      for (const line of readFileSync(join(folder, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.push(Number(line));
      for (const entry of readdirSync(folder, { withFileTypes: true })) if (entry.isDirectory()) walk(join(folder, entry.name));
    } catch {
      // Removed meanwhile.
    }
  };
  walk(dir);
  return pids;
}

/** Kills every member of `dir` and below at once; false where the kernel has no `cgroup.kill`. */
export function killCgroup(dir: string): boolean {
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
    return true;
  } catch {
    return false;
  }
}

/** Removes `dir` and the cgroups below it once they are empty; true when it is gone. */
export function removeCgroup(dir: string): boolean {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeCgroup(join(dir, entry.name));
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

export function createCgroup(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return undefined;
  }
}

/** The runner cgroups under `parent` whose server no longer runs. */
export function orphanedCgroups(parent: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: /^twelve-factor-(\d+)\.(\d+)\.[A-Za-z0-9_-]+$/.exec(name) }))
    .filter(({ m }) => m && !serverAlive({ serverPid: Number(m[1]), serverStart: m[2] as string }))
    .map(({ name }) => join(parent, name));
}

/** `argv` wrapped so that the process joins `dir` before it runs. */
export function joinCgroupArgv(dir: string, argv: [string, ...string[]]): [string, ...string[]] {
  return ['/bin/sh', '-c', '{ echo $$ > "$0/cgroup.procs"; } 2>/dev/null; exec "$@"', dir, ...argv];
}
