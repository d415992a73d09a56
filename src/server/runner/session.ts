/**
 * One lab session: a temporary workspace folder, the processes running in it, the event stream a page
 * listens to, and at most one checker run. Disposing it kills everything and deletes the folder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { rm } from 'node:fs/promises';
import type { RunnerLimits } from '../config.ts';
import { runCheck } from './check-run.ts';
import { EventHub } from './event-hub.ts';
import { HttpError } from './http.ts';
import { writeLearnerFile } from './paths.ts';
import { ProcessSet } from './processes.ts';

export interface SessionInit {
  id: string;
  lab: string;
  dir: string;
  env: Record<string, string>;
  checkCommand: string;
  limits: RunnerLimits;
}

export class Session {
  readonly id: string;
  readonly lab: string;
  readonly dir: string;
  readonly #init: SessionInit;
  readonly #events = new EventHub();
  readonly #processes: ProcessSet;
  #check: AbortController | undefined;
  #lastActivity = Date.now();
  #disposed: Promise<void> | undefined;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.lab = init.lab;
    this.dir = init.dir;
    this.#init = init;
    this.#processes = new ProcessSet({ cwd: init.dir, env: init.env, limits: init.limits, publish: (e) => this.#events.publish(e) });
  }

  /** Milliseconds since a request last touched the session, 0 while a page listens or a check runs. */
  idleFor(now = Date.now()): number {
    return this.#events.connected > 0 || this.#check ? 0 : now - this.#lastActivity;
  }

  /** True when no page listens and no check runs: the session may make room for a new one. */
  get evictable(): boolean {
    return this.#events.connected === 0 && !this.#check;
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  touch(): void {
    this.#lastActivity = Date.now();
  }

  /** Process ids of everything this session runs (for tests and diagnostics). */
  pids(): number[] {
    return this.#processes.pids();
  }

  async writeFile(path: string, content: string): Promise<void> {
    await writeLearnerFile(this.dir, path, content);
  }

  start(request: { command?: string | undefined; shell?: boolean | undefined }): string {
    return this.#processes.start(request);
  }

  write(process: string, data: string): void {
    this.#processes.write(process, data);
  }

  interrupt(process: string): void {
    this.#processes.interrupt(process);
  }

  kill(process: string): Promise<void> {
    return this.#processes.kill(process);
  }

  listen(req: IncomingMessage, res: ServerResponse): void {
    this.#events.attach(req, res, () => this.touch());
  }

  async check(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#check) throw new HttpError(409, 'The checks are already running in this lab; wait for their verdict.');
    const controller = new AbortController();
    this.#check = controller;
    // The page navigated away or pressed Stop: the checker and its apps go too.
    const onGone = (): void => {
      if (!res.writableEnded) controller.abort('gone');
    };
    res.once('close', onGone);
    req.once('aborted', onGone);
    try {
      await runCheck(res, {
        cwd: this.dir,
        env: this.#init.env,
        command: this.#init.checkCommand,
        timeoutMs: this.#init.limits.checkTimeoutMs,
        signal: controller.signal,
      });
    } finally {
      this.#check = undefined;
      this.touch();
    }
  }

  async stopAll(): Promise<void> {
    this.#check?.abort('stopped');
    await this.#processes.killAll();
  }

  /** Stops everything, ends event streams and deletes the workspace. Safe to call more than once. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      await this.stopAll();
      this.#events.closeAll();
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return this.#disposed;
  }
}
