/**
 * The local lab runner, mounted at RUNNER_BASE inside `npm start`. Implements the HTTP protocol of
 * `src/workspace/runtime/local/protocol.ts`; every request passes `guard.ts` first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateSessionResponse, StartProcessResponse } from '../../workspace/runtime/local/protocol.ts';
import type { Mount } from '../app.ts';
import type { RunnerLimits } from '../config.ts';
import type { HostGuard } from '../hosts.ts';
import type { Logger } from '../log.ts';
import { assertAllowed } from './guard.ts';
import { HttpError, noContent, readJson, readText, sendError, sendJson } from './http.ts';
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
}

export interface Runner extends Mount {
  /** Live sessions, for diagnostics and tests. */
  sessions(): readonly Session[];
}

const STDIN_LIMIT = 64 * 1024;
/** Session folders are named after the server's pid, so a later server can tell whose they were. */
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
  await Promise.all(orphaned.map((name) => rm(join(root, name), { recursive: true, force: true })));
  if (orphaned.length > 0) logger.info('removed workspaces of a previous run', { count: orphaned.length });
}

export function createRunner(options: RunnerOptions): Runner {
  const { limits, logger } = options;
  const sessions = new Map<string, Session>();
  const ports = new PortBlocks();
  const workRoot = options.workRoot ?? tmpdir();
  let closing = false;
  void removeOrphanedWorkspaces(workRoot, logger);

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

  /** Frees a slot for a new session: the least recently used one no page is connected to. */
  const makeRoom = async (): Promise<void> => {
    if (sessions.size < limits.maxSessions) return;
    const idle = [...sessions.values()].filter((s) => s.evictable).sort((a, b) => a.lastActivity - b.lastActivity);
    const oldest = idle[0];
    if (!oldest) {
      throw new HttpError(429, `${limits.maxSessions} labs are open, the runner's limit; close a lab tab and try again.`);
    }
    await drop(oldest, 'evicted for a new session');
  };

  const create = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = parseCreateSession(await readJson(req, limits.maxBodyBytes, 'The new session request'), limits);
    await makeRoom();
    const dir = await mkdtemp(join(workRoot, `${FOLDER_PREFIX}${process.pid}-`));
    try {
      const prepared = await options.labs.prepare(dir, body.lab, body.files);
      const id = randomBytes(16).toString('base64url');
      const { checkCommand, env, redisServer } = prepared;
      const session = new Session({
        id, lab: body.lab, dir, env: options.env, checkCommand, limits, defaultPort: ports.allocate(id),
        ...(env ? { labEnv: env } : {}), ...(redisServer ? { redisServer } : {}),
      });
      sessions.set(id, session);
      logger.info('lab session created', { session: id, lab: body.lab });
      sendJson(res, 201, { session: id } satisfies CreateSessionResponse);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
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
        if (error instanceof PathError) return sendError(res, 400, error.message);
        throw error;
      }
    },

    async close() {
      closing = true;
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map((session) => drop(session, 'server shutting down')));
    },
  };
}
