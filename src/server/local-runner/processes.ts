/**
 * The processes of one session: commands (`sh -c`) and interactive shells, each in its own process
 * group and marked (lab-processes.ts), time-limited and output-capped, reported on the session's event
 * stream.
 *
 * The shell has no pseudo-terminal: it is `sh -i` reading lines from stdin (interactive, so that it
 * prompts and survives Ctrl-C). The browser terminal echoes what the learner types and sends whole lines;
 * full-screen programs and job control are not available.
 */
import type { ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { RunnerEvent } from '../../workspace/runtime/local/protocol.ts';
import type { RunnerLimits } from '../config.ts';
import { HttpError } from './http.ts';
import type { SessionProcesses } from './lab-processes.ts';

type Reason = 'timeout' | 'killed' | 'limit';

/**
 * What `sh -i` says first when it has no terminal (dash's wording, then bash's two lines). The learner can
 * do nothing about it, and it reads like an error, so the shell's stderr starts without it.
 */
const JOB_CONTROL_NOTICE = /^sh: (?:\d+: can't access tty; job control turned off|cannot set terminal process group \([^)]*\): [^\n]*|no job control in this shell)\r?\n/;

/** A command of plain words only: no quoting, variables, redirection, pipes or lists. */
const SIMPLE_COMMAND = /^[\w./@%+:,=-]+(?: +[\w./@%+:,=-]+)*$/;

/**
 * `sh -c` runs a simple command as its child and is itself what Stop signals: the exit the learner sees
 * would be the shell's (ended by SIGTERM) rather than the app's (exit code 0 after draining). `exec`
 * makes the command the process itself, so its own exit code and signal are reported.
 */
export function execSimple(command: string): string {
  const trimmed = command.trim();
  if (!SIMPLE_COMMAND.test(trimmed) || trimmed.startsWith('exec ')) return command;
  // `GREETING=Hola npm run release`: `exec` would take the assignment for a program; `env` applies it first.
  return ASSIGNMENT.test(trimmed) ? `exec env ${trimmed}` : `exec ${trimmed}`;
}

/** A command line that starts with a variable assignment, NAME=value. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

interface Running {
  child: ChildProcess;
  /** An interactive shell ignores SIGTERM; SIGHUP ends it and the jobs it started. */
  stopSignal: NodeJS.Signals;
  /** The command runs as the process itself (see execSimple): the stop signal goes to it alone first. */
  leaderFirst: boolean;
  reason?: Reason;
  outputBytes: number;
  /** Resolves after the exit event has been published and no member of the group is left. */
  ended: Promise<void>;
}

export interface ProcessSetOptions {
  cwd: string;
  env: Record<string, string>;
  limits: Pick<RunnerLimits, 'maxProcesses' | 'runTimeoutMs' | 'shellTimeoutMs' | 'maxOutputBytes'>;
  publish: (event: RunnerEvent) => void;
  /** Starts and stops the session's marked processes (lab-processes.ts). */
  processes: SessionProcesses;
}

export class ProcessSet {
  readonly #options: ProcessSetOptions;
  readonly #running = new Map<string, Running>();
  #counter = 0;

  constructor(options: ProcessSetOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Process ids of everything still running, oldest first. */
  pids(): number[] {
    return [...this.#running.values()].map((r) => r.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /**
   * `env` replaces the set's environment for this process; `banner` is published as the process's first
   * output (what a shell says about its environment before its first prompt).
   */
  start(request: { command?: string | undefined; shell?: boolean | undefined }, extra: { env?: Record<string, string>; banner?: string } = {}): string {
    const { limits, publish } = this.#options;
    if (this.#running.size >= limits.maxProcesses) {
      throw new HttpError(429, `This lab already runs ${limits.maxProcesses} processes, the runner's limit; stop one before starting another.`);
    }
    const command = request.shell ? '' : execSimple(request.command as string);
    const argv: [string, ...string[]] = request.shell ? ['sh', '-i'] : ['sh', '-c', command];
    const base = extra.env ?? this.#options.env;
    const env = request.shell ? { ...base, PS1: '$ ' } : base;
    const id = `p${++this.#counter}`;
    const child = this.#options.processes.spawn(id, argv, { cwd: this.#options.cwd, env });
    if (child.pid === undefined) throw new HttpError(500, `Could not start "${argv.join(' ')}".`);
    const pid = child.pid;

    let markEnded!: () => void;
    const running: Running = { child, stopSignal: request.shell ? 'SIGHUP' : 'SIGTERM', leaderFirst: command.startsWith('exec '), outputBytes: 0, ended: new Promise((resolve) => (markEnded = resolve)) };
    this.#running.set(id, running);
    if (extra.banner) publish({ type: 'output', process: id, data: extra.banner });

    /** `skipNotice`: hold the stream's first line(s) until complete and drop the shell's job-control notice. */
    const forward = (stream: NodeJS.ReadableStream | null, skipNotice = false): Promise<void> => {
      if (!stream) return Promise.resolve();
      const decoder = new StringDecoder('utf8');
      let head: string | null = skipNotice ? '' : null;
      const emit = (data: string, final = false): void => {
        if (head !== null) {
          head += data;
          let match: RegExpExecArray | null;
          while ((match = JOB_CONTROL_NOTICE.exec(head))) head = head.slice(match[0].length);
          // Undecided while the text so far could still become the notice; a line that cannot is passed on.
          const undecided = !final && head.length < 200 && !head.includes('\n') && (head === '' || head.startsWith('sh: '));
          if (undecided) return;
          data = head;
          head = null;
        }
        if (data) publish({ type: 'output', process: id, data });
      };
      stream.on('data', (chunk: Buffer) => {
        running.outputBytes += chunk.length;
        if (running.outputBytes > limits.maxOutputBytes) {
          if (!running.reason) void this.#stop(id, running, 'limit');
          return;
        }
        emit(decoder.write(chunk));
      });
      return new Promise((resolve) =>
        stream.once('close', () => {
          emit(decoder.end(), true);
          resolve();
        }),
      );
    };
    const outputs = Promise.all([forward(child.stdout), forward(child.stderr, request.shell === true)]);
    // A broken stdin (the shell exited) must not crash the server.
    child.stdin?.on('error', () => {});

    const timer = setTimeout(() => void this.#stop(id, running, 'timeout'), request.shell ? limits.shellTimeoutMs : limits.runTimeoutMs);
    timer.unref();

    child.once('exit', async (code, signal) => {
      clearTimeout(timer);
      // Whatever the process left behind (`node app.js &`, a daemon that called setsid) ends with it.
      await this.#options.processes.stop((role) => role === id, [pid], { graceMs: 1_000 });
      // Output pipes may be held by a killed grandchild a moment longer; do not wait forever.
      await Promise.race([outputs, new Promise((resolve) => setTimeout(resolve, 500))]);
      this.#running.delete(id);
      const event: RunnerEvent = { type: 'exit', process: id, code, signal };
      if (running.reason) event.reason = running.reason;
      publish(event);
      markEnded();
    });
    child.once('error', () => {
      // Reported through `exit` (spawn failures of `sh` itself are not expected).
    });
    return id;
  }

  write(id: string, data: string): void {
    const running = this.#get(id);
    running.child.stdin?.write(data);
  }

  /**
   * Ctrl-C for a line-based shell: SIGINT to the whole process group stops the command running in the
   * foreground, while the interactive shell itself ignores SIGINT and prints its next prompt.
   */
  interrupt(id: string): void {
    const pid = this.#get(id).child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      // The group is already gone; the exit event is on its way.
    }
  }

  async kill(id: string): Promise<void> {
    await this.#stop(id, this.#get(id), 'killed');
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.#running].map(([id, running]) => this.#stop(id, running, 'killed')));
  }

  #get(id: string): Running {
    const running = this.#running.get(id);
    if (!running) throw new HttpError(404, `No running process "${id}" in this lab session; it may have ended already.`);
    return running;
  }

  async #stop(id: string, running: Running, reason: Reason): Promise<void> {
    running.reason ??= reason;
    const pid = running.child.pid;
    if (pid !== undefined && this.#running.has(id)) await this.#options.processes.stop((role) => role === id, [pid], { first: running.stopSignal, firstTo: running.leaderFirst ? 'leader' : 'tree' });
    await running.ended;
  }
}
