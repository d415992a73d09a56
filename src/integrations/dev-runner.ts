/**
 * The local lab runner inside `astro dev`, so an instructor editing a chapter or a lab sees the real lab
 * run while pages hot-reload. The same runner and safeguards as `npm start` (`src/server/local-runner.ts`):
 * a token handed to pages in a meta tag, Host and Origin checks for the dev server's own address, loopback
 * only unless RUNNER_ALLOW_REMOTE=1, off with LAB_RUNTIME=webcontainer. It lives only in
 * `astro:server:setup`, which `astro build` never calls, so no token can reach `dist/`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AstroIntegration, AstroIntegrationLogger } from 'astro';
import type { ViteDevServer } from 'vite';
import { RUNNER_BASE } from '../workspace/runtime/local/protocol.ts';
import { SECURITY_HEADERS } from '../server/app.ts';
import { isLoopback, loadConfig, runnerMode, type ServerConfig } from '../server/config.ts';
import { hostRunner, type HostedRunner } from '../server/local-runner.ts';
import { newToken } from '../server/local-runner/guard.ts';
import { injectIntoHtml } from './head-injection.ts';
import { runnerLogger } from './runner-logger.ts';

/**
 * One token for the life of the process: Astro restarts its dev server when the config changes, and pages
 * already open should keep talking to the runner that replaces the old one.
 */
const token = newToken();

/** The interface Vite listens on, as `server.host` resolves: unset means localhost, `true` means all. */
function listenHost(host: string | boolean | undefined): string {
  if (host === undefined || host === false) return 'localhost';
  if (host === true) return '0.0.0.0';
  return host;
}

/** `npm start`'s configuration, read the same way, for the dev server's own host. */
function devConfig(host: string): ServerConfig {
  // The dev server is not behind the deployment's proxy, so the public SITE_URL host is not one of its names.
  const { SITE_URL: _site, PORT: _port, ...env } = process.env;
  return loadConfig({ ...env, HOST: host });
}

export function devRunner(): AstroIntegration {
  return {
    name: 'twelve-factor-labs:dev-runner',
    hooks: {
      'astro:server:setup': ({ server, logger }) => {
        const config = devConfig(listenHost(server.config.server.host));
        const mode = runnerMode(config); // Throws for LAB_RUNTIME=local on a host the runner may not use.
        if (!mode.enabled) {
          logger.warn(`lab runner off: ${mode.reason}`);
          return;
        }
        const httpServer = server.httpServer;
        if (!httpServer) {
          logger.warn('lab runner off: the dev server runs in middleware mode, so there is no address to guard.');
          return;
        }
        mountRunner(server, httpServer, config, logger);
      },
    },
  };
}

function mountRunner(server: ViteDevServer, httpServer: NonNullable<ViteDevServer['httpServer']>, config: ServerConfig, logger: AstroIntegrationLogger): void {
  let hosted: HostedRunner | undefined;
  const start = (): void => {
    const { port } = httpServer.address() as AddressInfo;
    hosted = hostRunner({ config, port, token, logger: runnerLogger(logger) });
    logger.info(`labs run on the local runner at ${RUNNER_BASE}`);
    if (!isLoopback(config.host)) {
      logger.warn(`RUNNER_ALLOW_REMOTE=1 and host ${config.host}: anyone who can reach port ${port} and open its pages can run code here.`);
    }
  };
  // Vite may move to another port when the asked one is taken; the Host check needs the real one.
  if (httpServer.listening) start();
  else httpServer.once('listening', start);

  server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    // Pages that can start code must not be framed by another site, in development as in production.
    for (const name of ['Content-Security-Policy', 'X-Frame-Options']) res.setHeader(name, SECURITY_HEADERS[name] as string);
    if (!hosted) return next();
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (pathname === RUNNER_BASE || pathname.startsWith(`${RUNNER_BASE}/`)) {
      Promise.resolve(hosted.runner.handle(req, res, pathname.slice(RUNNER_BASE.length) || '/')).catch(next);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') injectIntoHtml(res, hosted.headTags(req.headers.host));
    next();
  });

  const stopSessions = async (): Promise<void> => {
    const closing = hosted;
    hosted = undefined;
    await closing?.runner.close?.();
  };

  // Vite closes the server on SIGTERM, on stdin's end and when Astro restarts it; sessions go first.
  const close = server.close.bind(server);
  server.close = async () => {
    process.off('SIGINT', onInterrupt);
    await stopSessions();
    return close();
  };

  // Ctrl-C would kill the dev server at once, but lab processes run in their own process groups and would
  // outlive it. Stop them, then let the signal do what it would have done.
  const onInterrupt = (): void => {
    void stopSessions().finally(() => {
      if (process.listenerCount('SIGINT') === 0) process.kill(process.pid, 'SIGINT');
    });
  };
  process.once('SIGINT', onInterrupt);
}
