/**
 * `labs:verify --load N`: N processes that keep a CPU core busy for as long as the run lasts, to prove
 * verdicts hold on a loaded machine. Bounded (at most MAX_LOAD), killed when the run ends however it ends
 * (normal exit, Ctrl-C, an exception), and each one exits by itself when its parent is gone, so a killed
 * verify never leaves a spinning process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export const MAX_LOAD = 8;

// Spins in 50 ms slices; between slices it checks that its parent is still the one that started it.
const SPINNER = `
const parent = process.ppid;
const spin = () => {
  const until = Date.now() + 50;
  while (Date.now() < until) Math.sqrt(Math.random());
  if (process.ppid !== parent) process.exit(0);
  setImmediate(spin);
};
spin();
`;

export interface BusyLoad {
  /** How many processes are spinning. */
  readonly count: number;
  /** Stops them all; safe to call more than once. */
  stop(): void;
}

export function startBusyLoad(count: number): BusyLoad {
  if (!Number.isInteger(count) || count < 0 || count > MAX_LOAD) throw new RangeError(`--load takes a whole number from 0 to ${MAX_LOAD}, e.g. --load 2 (got ${count}).`);
  const children: ChildProcess[] = [];
  const stop = (): void => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    process.removeListener('exit', stop);
  };
  for (let i = 0; i < count; i++) children.push(spawn(process.execPath, ['-e', SPINNER], { stdio: 'ignore' }));
  process.once('exit', stop);
  return { count, stop };
}
