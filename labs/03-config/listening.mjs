// Which TCP ports a process (and the processes it started) listens on, read from Linux's /proc: the
// Config lab uses it to see where an app went when it was given an empty PORT, which it cannot learn
// over HTTP. Where there is no /proc (macOS, WebContainer) it answers undefined and the lab says so.
import { readdir, readFile, readlink } from 'node:fs/promises';

/** pid and its descendants, from every process's parent in /proc/<pid>/stat. */
async function family(pid) {
  const parents = new Map();
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const all = [pid];
  for (let i = 0; i < all.length && all.length < 64; i++) {
    for (const [child, parent] of parents) if (parent === all[i]) all.push(child);
  }
  return all;
}

/** Socket inodes the processes hold open. */
async function socketInodes(pids) {
  const inodes = new Set();
  for (const pid of pids) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    }
  }
  return inodes;
}

/** Listening ports whose socket inode is in `inodes`, from /proc/net/tcp and tcp6. */
async function listeningPorts(inodes) {
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st … inode (10th column)
      if (cols[3] !== '0A' || !inodes.has(cols[9])) continue;
      ports.add(parseInt(cols[1]?.split(':').at(-1) ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Whether this system lets the checker see listening ports this way. */
export async function canSeePorts() {
  return (await readFile('/proc/net/tcp', 'utf8').catch(() => undefined)) !== undefined && (await readdir('/proc/self/fd').catch(() => undefined)) !== undefined;
}

/** Ports `pid` or its descendants listen on; undefined without /proc. */
export async function portsOf(pid) {
  if (!pid || !(await canSeePorts())) return undefined;
  // Usually the app is the node process itself (the kit spawns node directly); a shell's children count too.
  const program = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[0] ?? '';
  const pids = /(?:^|\/)node(?:\.exe)?$/.test(program) ? [pid] : await family(pid);
  return listeningPorts(await socketInodes(pids));
}

/** The range the system picks "any free port" (port 0) from. */
export async function ephemeralRange() {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768 60999');
  const [low, high] = text.trim().split(/\s+/).map(Number);
  return { low: low || 32768, high: high || 60999 };
}
