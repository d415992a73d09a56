/**
 * The local lab runner, mounted at RUNNER_BASE inside `npm start`. Implements the HTTP protocol of
 * `src/workspace/runtime/local/protocol.ts`; every request passes `guard.ts` first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateSessionResponse, StartProcessResponse } from '../../workspace/runtime/local/protocol.ts';
import type { Mount } from '../app.ts';
import type { RunnerLimits } from '../config.ts';
import type { HostGuard } from '../hosts.ts';
import type { Logger } from '../log.ts';
import { assertAllowed } from './guard.ts';
import { HttpError, noContent, readJson, readText, sendError, sendJson } from './http.ts';
import { removeTree } from './checker-copy.ts';
import { LabProcesses } from './lab-processes.ts';
import type { LabSource } from './lab-source.ts';
import { PathError } from './paths.ts';
import { isAlive } from './process-tree.ts';
import { parseCreateSession, parseStartProcess } from './requests.ts';
import { PortBlocks } from './ports.ts';
import { Session } from './session.ts';

export interface RunnerOptions {
  token: string;
  hosts: HostGuard;
  limits: RunnerLimits;
  logger: Logger;
  labs: LabSource;
  /** Environment of every lab process (see `lab-env.ts`). */
  env: Record<string, string>;
  /** Where session folders are created; the system's temporary folder by default. */
  workRoot?: string;
  /** Track processes in cgroups where the machine allows (default); false relies on marks alone. */
  cgroups?: boolean;
}

export interface Runner extends Mount {
  /** Live sessions, for diagnostics and tests. */
  sessions(): readonly Session[];
  /** Settles once what a previous, killed server left behind (processes, folders) is gone. */
  readonly swept: Promise<void>;
  /** How lab processes are found again (for the start-up log and tests). */
  readonly tracking: string;
}

const STDIN_LIMIT = 64 * 1024;
/** Session folders (and checker copies) are named after the server's pid, so a later server can tell whose they were. */
const FOLDER_PREFIX = 'twelve-factor-lab-';

/**
 * Deletes session folders left by servers that died without cleaning up (SIGKILL, a crash, power loss):
 * their pid is in the folder name and no longer runs.
 */
async function removeOrphanedWorkspaces(root: string, logger: Logger): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  const orphaned = names.filter((name) => {
    const pid = Number(/^twelve-factor-lab-(\d+)-/.exec(name)?.[1]);
    return pid > 0 && pid !== process.pid && !isAlive(pid);
  });
  await Promise.all(orphaned.map((name) => removeTree(join(root, name))));
  if (orphaned.length > 0) logger.info('removed workspaces of a previous run', { count: orphaned.length });
}

export function createRunner(options: RunnerOptions): Runner {
  const { limits, logger } = options;
  const sessions = new Map<string, Session>();
  const ports = new PortBlocks();
  const workRoot = options.workRoot ?? tmpdir();
  const processes = new LabProcesses({ cgroups: options.cgroups !== false });
  let closing = false;
  /** Session creations under way: they hold a slot from their first moment, before any await. */
  let reserved = 0;
  const swept = (async () => {
    // Processes first: a folder is deleted only once nothing runs in it.
    const stopped = await processes.sweepOrphans();
    if (stopped > 0) logger.info('stopped lab processes of a previous run', { count: stopped });
    await removeOrphanedWorkspaces(workRoot, logger);
  })().catch((error: unknown) => logger.warn('could not clean up after a previous run', { error: String(error) }));

  const drop = async (session: Session, why: string): Promise<void> => {
    sessions.delete(session.id);
    ports.release(session.id);
    await session.dispose();
    logger.info('lab session closed', { session: session.id, lab: session.lab, why });
  };

  const sweep = setInterval(() => {
    for (const session of sessions.values()) {
      if (session.idleFor() > limits.idleTimeoutMs) void drop(session, 'idle');
    }
  }, Math.min(limits.idleTimeoutMs / 2, 30_000));
  sweep.unref();

  /**
   * Takes a slot for a new session synchronously, so simultaneous creations cannot all see room: when the
   * runner is full, the least recently used session no page is connected to makes room (its disposal is
   * returned to await); with none, 429.
   */
  const reserve = (): Promise<void> => {
    if (sessions.size + reserved < limits.maxSessions) {
      reserved++;
      return Promise.resolve();
    }
    const idle = [...sessions.values()].filter((s) => s.evictable).sort((a, b) => a.lastActivity - b.lastActivity);
    const oldest = idle[0];
    if (!oldest) {
      throw new HttpError(429, `${limits.maxSessions} labs are open, the runner's limit; close a lab tab and try again.`);
    }
    reserved++;
    return drop(oldest, 'evicted for a new session');
  };

  const create = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const evicted = reserve();
    let dir: string | undefined;
    try {
      await evicted;
      const body = parseCreateSession(await readJson(req, limits.maxBodyBytes, 'The new session request'), limits);
      dir = await mkdtemp(join(workRoot, `${FOLDER_PREFIX}${process.pid}-`));
      const prepared = await options.labs.prepare(dir, body.lab, body.files);
      if (closing) throw new HttpError(503, 'The server is shutting down.');
      const id = randomBytes(16).toString('base64url');
      const { checkCommand, env, redisServer, hidden, modules } = prepared;
      const session = new Session({
        id, lab: body.lab, dir, env: options.env, checkCommand, limits, defaultPort: ports.allocate(id),
        processes: processes.forSession(id),
        ...(hidden ? { checker: { hidden, ...(modules ? { modules } : {}) }, checkerPrefix: join(workRoot, `${FOLDER_PREFIX}${process.pid}-check-`) } : {}),
        ...(env ? { labEnv: env } : {}), ...(redisServer ? { redisServer } : {}),
      });
      sessions.set(id, session);
      dir = undefined;
      logger.info('lab session created', { session: id, lab: body.lab });
      sendJson(res, 201, { session: id } satisfies CreateSessionResponse);
    } finally {
      reserved--;
      if (dir !== undefined) await removeTree(dir);
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> => {
    const method = req.method ?? 'GET';
    if (parts[0] !== 'sessions') throw new HttpError(404, 'No such runner route.');
    if (parts.length === 1) {
      if (method !== 'POST') throw new HttpError(405, 'Use POST to create a lab session.');
      if (closing) throw new HttpError(503, 'The server is shutting down.');
      return create(req, res);
    }
    const session = sessions.get(parts[1] as string);
    if (!session) throw new HttpError(404, 'This lab session no longer exists (the server restarted or it was idle); reload the lab.');
    session.touch();
    const [, , what, name, action] = parts;
    const is = (m: string, shape: boolean): boolean => method === m && shape;

    if (is('DELETE', what === undefined) || is('POST', what === 'close' && parts.length === 3)) {
      await drop(session, 'deleted');
      return noContent(res);
    }
    if (is('PUT', what === 'files' && parts.length > 3)) {
      const path = parts.slice(3).map(decodeURIComponent).join('/');
      const content = await readText(req, limits.maxFileBytes, `The file "${path}"`);
      await session.writeFile(path, content);
      return noContent(res);
    }
    if (is('POST', what === 'processes' && name === undefined)) {
      const request = parseStartProcess(await readJson(req, limits.maxBodyBytes, 'The start request'));
      const id = await session.start(request);
      return sendJson(res, 201, { process: id } satisfies StartProcessResponse);
    }
    if (is('POST', what === 'processes' && name !== undefined && action === 'stdin' && parts.length === 5)) {
      session.write(name as string, await readText(req, STDIN_LIMIT, 'The terminal input'));
      return noContent(res);
    }
    // Ctrl-C for the line-based shell: stops the foreground command and keeps the shell.
    if (is('POST', what === 'processes' && name !== undefined && action === 'interrupt' && parts.length === 5)) {
      session.interrupt(name as string);
      return noContent(res);
    }
    if (is('DELETE', what === 'processes' && name !== undefined && parts.length === 4)) {
      await session.kill(name as string);
      return noContent(res);
    }
    if (is('GET', what === 'events' && parts.length === 3)) return session.listen(req, res);
    if (is('POST', what === 'check' && parts.length === 3)) return session.check(req, res);
    if (is('POST', what === 'stop' && parts.length === 3)) {
      await session.stopAll();
      return noContent(res);
    }
    throw new HttpError(404, `No runner route ${method} ${parts.slice(2).join('/')}.`);
  };

  return {
    sessions: () => [...sessions.values()],
    swept,
    tracking: processes.tracking,

    async handle(req, res, subpath) {
      try {
        const parts = subpath.split('/').filter(Boolean);
        // EventSource and sendBeacon cannot set headers: those two routes may carry the token in the query.
        const queryToken = parts.length === 3 && ((parts[2] === 'events' && req.method === 'GET') || (parts[2] === 'close' && req.method === 'POST'));
        assertAllowed(req, { token: options.token, hosts: options.hosts, queryToken });
        await route(req, res, parts);
      } catch (error) {
        if (error instanceof HttpError) return sendError(res, error.status, error.message);
        if (error instanceof URIError) return sendError(res, 400, 'The path is not valid percent-encoding.');
        if (error instanceof PathError) return sendError(res, error.status, error.message);
        throw error;
      }
    },

    async close() {
      closing = true;
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map((session) => drop(session, 'server shutting down')));
      // Whatever is still marked as this runner's (a session being created as we closed, a straggler).
      await processes.stopAll();
    },
  };
}
