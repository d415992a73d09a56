/**
 * The HTTP process: security headers on every response, one log line per request, routes mounted by
 * prefix (the lab runner is one), everything else from the static site, and a draining shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from './log.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => void | Promise<void>;

export interface Mount {
  handle: RouteHandler;
  /** Called once when shutdown starts: end long-lived streams and stop child processes. */
  close?: () => Promise<void>;
}

/**
 * Sent with every response. COOP + COEP make pages cross-origin isolated, which WebContainer needs.
 * frame-ancestors (and X-Frame-Options for older browsers) keep other sites from framing a lab and
 * tricking the learner into clicking Run on code they did not write (clickjacking).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "frame-ancestors 'self'",
  'X-Frame-Options': 'SAMEORIGIN',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

export interface App {
  server: Server;
  /** Routes requests whose path is `prefix` or starts with `prefix/` to `mount`. */
  mount(prefix: string, mount: Mount): void;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  shutdown(graceMs: number): Promise<{ forced: number }>;
}

export function createApp(options: { logger: Logger; fallback: RouteHandler }): App {
  const { logger } = options;
  const mounts: { prefix: string; mount: Mount }[] = [];
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  /** Settles when each in-flight response has closed and been logged, so no request line is lost at exit. */
  const closing = new Set<Promise<void>>();
  /** Responses in progress per connection, so draining can close each one as soon as it is quiet. */
  const busy = new Map<Socket, number>();
  const endIfQuiet = (socket: Socket): void => {
    // end(), not destroy(): bytes still queued for a slow client are delivered before the FIN.
    if (!busy.get(socket)) socket.end();
  };

  const route = (pathname: string): { handler: RouteHandler; subpath: string } => {
    for (const { prefix, mount } of mounts) {
      if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
        return { handler: mount.handle, subpath: pathname.slice(prefix.length) || '/' };
      }
    }
    return { handler: options.fallback, subpath: pathname };
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    // Only the path: query strings may carry the runner token, which must never reach a log.
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const socket = req.socket;
    inFlight.add(res);
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    let logged!: () => void;
    const done = new Promise<void>((resolve) => (logged = resolve));
    closing.add(done);
    res.once('close', () => {
      closing.delete(done);
      inFlight.delete(res);
      busy.set(socket, (busy.get(socket) ?? 1) - 1);
      // A keep-alive connection would otherwise hold shutdown open until the client lets go of it.
      if (draining) endIfQuiet(socket);
      logger.request({ method: req.method ?? '?', path: pathname, status: res.statusCode, ms: Math.round(performance.now() - started) });
      logged();
    });
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);

    if (draining) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', 'Retry-After': '5' });
      res.end('The server is shutting down.\n');
      return;
    }
    const { handler, subpath } = route(pathname);
    try {
      await handler(req, res, subpath);
    } catch (error) {
      logger.error('request failed', { method: req.method, path: pathname, error: String((error as Error)?.stack ?? error) });
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end('Internal server error\n');
      } else {
        res.destroy();
      }
    }
  });

  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
  });

  return {
    server,
    mount(prefix, mount) {
      if (!/^\/[A-Za-z0-9_.~-]+(\/[A-Za-z0-9_.~-]+)*$/.test(prefix)) throw new Error(`mount prefix "${prefix}" must look like /name`);
      mounts.push({ prefix, mount });
      // Longest prefix first, so /a/b wins over /a.
      mounts.sort((a, b) => b.prefix.length - a.prefix.length);
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async shutdown(graceMs) {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The server can report closed a moment before the last response's own close event has run.
      const closed = serverClosed.then(() => Promise.all([...closing])).then(() => undefined);
      for (const socket of busy.keys()) endIfQuiet(socket);
      await Promise.allSettled(mounts.map(({ mount }) => mount.close?.()));
      let forced = 0;
      const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
      if ((await Promise.race([closed, timer])) === 'timeout') {
        forced = (await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)))) || 1;
        server.closeAllConnections();
        await closed;
      }
      return { forced };
    },
  };
}
