// Every signal the kit sends goes through this module: it is the one place a runtime with its own
// process model (WebContainer, where delivery to `process.on('SIGTERM')` is not documented) can swap in
// a different delivery without touching any lab's checks.
//
// On POSIX the app is spawned as the leader of its own process group (`detached`), so a signal sent to
// the negative pid reaches the app and everything it started; on Windows there are no groups, so the
// kit falls back to the child alone and `taskkill /T` for trees.
import { spawnSync } from 'node:child_process';

const posix = process.platform !== 'win32';
let delivery = defaultDelivery();

function defaultDelivery() {
  return {
    /** Extra options for `spawn` so the child can later be signalled as a tree. */
    spawnOptions: () => ({ detached: posix }),
    /** Sends `signal` to the child's whole process tree. Returns false when nothing was there to signal. */
    send(child, signal) {
      if (child.pid === undefined) return false;
      try {
        if (posix) process.kill(-child.pid, signal);
        else child.kill(signal);
        return true;
      } catch (error) {
        if (error.code === 'ESRCH') return false;
        throw error;
      }
    },
    /** Kills the tree for good, even if its leader is gone. */
    killTree(child) {
      if (child.pid === undefined) return;
      if (posix) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      } else {
        spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore' });
      }
    },
  };
}

/** Replaces how signals are delivered (e.g. for WebContainer). Pass nothing to restore the default. */
export function setSignalDelivery(custom) {
  delivery = custom ? { ...defaultDelivery(), ...custom } : defaultDelivery();
}

export const spawnOptions = () => delivery.spawnOptions();
export const sendSignal = (child, signal) => delivery.send(child, signal);
export const killTree = (child) => delivery.killTree(child);
