/**
 * Assembles the production server from a configuration: static site, runner (when allowed), token
 * injection. `main.ts` runs it as a process; tests start it in-process on port 0.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RUNNER_BASE } from '../workspace/runtime/local/protocol.ts';
import { createApp, type App } from './app.ts';
import { runnerMode, type ServerConfig } from './config.ts';
import { hostRunner, type HostedRunner } from './local-runner.ts';
import type { Logger } from './log.ts';
import type { LabSource } from './local-runner/lab-source.ts';
import type { Runner } from './local-runner/runner.ts';
import { createStaticHandler } from './static.ts';

export interface StartOptions {
  logger: Logger;
  /** Labs for the runner; the repository's `labs/` by default. */
  labs?: LabSource;
  /** Folder for session workspaces; the system's temporary folder by default. */
  workRoot?: string;
}

export interface RunningServer {
  app: App;
  address: AddressInfo;
  /** `http://host:port` as a browser on this machine would open it. */
  url: string;
  /** The runner, or undefined when it is off (see `runnerMode`). */
  runner: Runner | undefined;
  token: string | undefined;
  shutdown(): Promise<{ forced: number }>;
}

export async function startServer(config: ServerConfig, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;
  const mode = runnerMode(config);
  // Created once the port is known (PORT=0 picks one at listen time); no request is served before that.
  let hosted: HostedRunner | undefined;
  const headTags = (req: IncomingMessage): string => hosted?.headTags(req.headers.host) ?? '';

  const site = createStaticHandler({ distDir: config.distDir, headTags });
  const app = createApp({ logger, fallback: (req, res) => site(req, res) });
  const address = await app.listen(config.port, config.host);

  if (mode.enabled) {
    hosted = hostRunner({
      config,
      port: address.port,
      logger,
      ...(options.labs ? { labs: options.labs } : {}),
      ...(options.workRoot ? { workRoot: options.workRoot } : {}),
    });
    app.mount(RUNNER_BASE, hosted.runner);
  }
  const runner = hosted?.runner;

  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : shown}:${address.port}`;
  logger.info('listening', {
    url,
    pid: process.pid,
    host: config.host,
    port: address.port,
    runtime: runner ? 'local' : 'webcontainer',
    ...(runner ? { labProcesses: runner.tracking } : {}),
    ...(mode.enabled ? {} : { runner: mode.reason }),
    ...(config.allowRemote && runner ? { warning: 'RUNNER_ALLOW_REMOTE=1: anyone who can reach this port and open its pages can run code here.' } : {}),
  });
  if (!mode.enabled) logger.warn('lab runner off', { reason: mode.reason });

  return {
    app,
    address,
    url,
    runner,
    token: hosted?.token,
    shutdown: () => app.shutdown(config.shutdownGraceMs),
  };
}
