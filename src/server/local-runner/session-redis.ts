/**
 * The embedded Redis of one lab session, for everything the learner starts there: the lab kit's
 * Redis-compatible server run as a child process in the workspace, started the first time something needs
 * it and killed with the session (Stop leaves it running). The shell and one-off tasks get it as REDIS_URL,
 * Run as LAB_SESSION_REDIS_URL (which the launcher hands the app as REDIS_URL), so Run's app, an admin task
 * and two processes started from the shell share their data as they would with a real Redis.
 */
import type { ChildProcess } from 'node:child_process';
import { HttpError } from './http.ts';
import type { SessionProcesses } from './lab-processes.ts';

/** How long the server may take to listen; it starts in well under a second on a slow laptop. */
const START_LIMIT_MS = 15_000;

export class SessionRedis {
  readonly #cwd: string;
  readonly #script: string;
  readonly #env: Record<string, string>;
  readonly #processes: SessionProcesses;
  #url: Promise<string> | undefined;
  #child: ChildProcess | undefined;

  /** `script` is the workspace-relative path of the kit's `redis-server.mjs`. */
  constructor(options: { cwd: string; script: string; env: Record<string, string>; processes: SessionProcesses }) {
    this.#processes = options.processes;
    this.#cwd = options.cwd;
    this.#script = options.script;
    this.#env = options.env;
  }

  /** The server's `redis://` URL, starting it on first use. */
  url(): Promise<string> {
    this.#url ??= this.#start().catch((error: unknown) => {
      // A failed start may be retried by the next command rather than failing every one after it.
      this.#url = undefined;
      throw error;
    });
    return this.#url;
  }

  /** Process id while it runs (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  async stop(): Promise<void> {
    const pid = this.#child?.pid;
    this.#child = undefined;
    this.#url = undefined;
    // By its mark, not its pid alone: whatever it started goes too, also when it has exited meanwhile.
    await this.#processes.stop((role) => role === 'redis', pid === undefined ? [] : [pid]);
  }

  #start(): Promise<string> {
    const child = this.#processes.spawn('redis', [process.execPath, this.#script], { cwd: this.#cwd, env: this.#env });
    this.#child = child;
    child.stdin?.end();
    return new Promise<string>((resolve, reject) => {
      let output = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        void this.stop();
        const said = output.trim().split('\n').slice(-3).join(' ').slice(0, 400);
        reject(new HttpError(500, `The lab's embedded Redis did not start (${why})${said ? `: ${said}` : ''}. Set REDIS_URL for the course server to use a Redis of your own.`));
      };
      const timer = setTimeout(() => fail(`no answer within ${START_LIMIT_MS / 1000} s`), START_LIMIT_MS);
      const read = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        for (const line of output.split('\n')) {
          const ready = /^\{.*"msg":"redis ready".*\}\s*$/.test(line) ? (JSON.parse(line) as { url?: unknown }).url : undefined;
          if (typeof ready === 'string') {
            clearTimeout(timer);
            child.stdout?.off('data', read);
            // Later output (there is hardly any) must not fill the pipe and stall the server.
            child.stdout?.resume();
            resolve(ready);
            return;
          }
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('error', (error) => fail(error.message));
      child.once('exit', (code, signal) => fail(signal ? `stopped by ${signal}` : `exited with code ${code}`));
    });
  }
}
