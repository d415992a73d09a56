// @ts-check
// Who holds a port. A check that finds the app could not listen (EADDRINUSE) says which process is in
// the way — the learner's own Run, an app a closed tab left behind — instead of blaming the code.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The port an app's output says it could not bind: `Error: listen EADDRINUSE: address already in use :::3000`,
 * or a JSON log carrying that message. Undefined when the output shows no such error.
 * @param {string[]} texts
 */
export function addressInUse(texts) {
  const at = texts.findIndex((t) => /EADDRINUSE/.test(t));
  if (at < 0) return undefined;
  const port = String(texts[at]).match(/EADDRINUSE[^\n]*?:(\d{1,5})(?!.*:\d)/)?.[1] ?? texts.slice(at, at + 20).join('\n').match(/\bport:\s*(\d{1,5})/)?.[1];
  return port ? Number(port) : undefined;
}

/**
 * The process listening on a TCP port of this machine, where the system lets us see it (Linux /proc, the
 * same user's processes). Undefined when nobody listens, or nothing can tell.
 * @param {number} port
 * @returns {{ pid?: number, command?: string | undefined, cwd?: string | undefined } | undefined}
 */
export function whoHolds(port) {
  if (!existsSync('/proc/net/tcp')) return undefined;
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is the 10th column.
      if (cols.length > 9 && cols[3] === '0A' && parseInt(String(cols[1]).split(':')[1] ?? '', 16) === port) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
      if (inode && inodes.has(inode)) {
        const read = (/** @type {string} */ f) => {
          try {
            return f === 'cwd' ? readlinkSync(`/proc/${entry}/cwd`) : readFileSync(`/proc/${entry}/${f}`, 'utf8').split('\0').filter(Boolean).join(' ');
          } catch {
            return undefined;
          }
        };
        return { pid: Number(entry), command: read('cmdline'), cwd: read('cwd') };
      }
    }
  }
  return {};
}

/**
 * A sentence for a learner about a port someone else holds:
 * "port 3000 is held by another process (pid 4242: node app.js)".
 * @param {number} port
 * @param {ReturnType<typeof whoHolds>} holder
 */
export function describeHolder(port, holder) {
  if (!holder?.pid) return `port ${port} is held by another process`;
  const command = holder.command ? holder.command.replace(/^\S*\/(node|sh)\b/, '$1').slice(0, 80) : 'unknown command';
  return `port ${port} is held by another process (pid ${holder.pid}: ${command})`;
}
