/**
 * `npm start`: read the environment, build if needed, serve, and on SIGTERM/SIGINT/SIGHUP drain and exit;
 * also when the process that started us ends (see parent-watch.ts: npm forwards SIGTERM to the script's
 * shell, not to us).
 * Exit codes: 0 after a clean drain; 1 for bad configuration, a failed build or start, or a drain
 * that ran out of its grace period.
 */
import { build, staleReason } from './build.ts';
import { ConfigError, loadConfig, runnerMode } from './config.ts';
import { createLogger } from './log.ts';
import { watchParents } from './parent-watch.ts';
import { startServer, type RunningServer } from './server.ts';

const logger = createLogger();

async function main(): Promise<void> {
  const config = loadConfig();
  runnerMode(config); // Fails early for LAB_RUNTIME=local on a host the runner may not use.

  // Signals are handled from the first moment: one arriving during the build stops the build, not just us.
  const building = new AbortController();
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = async (signal: NodeJS.Signals | undefined, parent?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { ...(signal ? { signal } : { parentExited: parent }), graceMs: config.shutdownGraceMs });
    if (!server) {
      building.abort();
      return; // main() sees the aborted build and exits.
    }
    const { forced } = await server.shutdown();
    if (forced > 0) {
      logger.warn('grace period over; cut remaining connections', { connections: forced });
      process.exitCode = 1;
    } else {
      logger.info('stopped');
    }
    process.exit();
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
  // A closed terminal: drain like SIGTERM rather than die with lab processes running.
  process.on('SIGHUP', (signal) => void stop(signal));
  watchParents((who) => void stop(undefined, who));

  const reason = config.buildOnStart === 'always' ? 'BUILD_ON_START=always' : config.buildOnStart === 'auto' ? staleReason(config.rootDir, config.distDir) : undefined;
  if (reason) {
    logger.info('building the site', { reason });
    try {
      await build(config.rootDir, config.distDir, logger, building.signal);
    } catch (error) {
      if (!building.signal.aborted) throw error;
      logger.info('stopped before the build finished; the next start builds again');
      process.exit(0);
    }
  }
  server = await startServer(config, { logger });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    logger.error(error.message);
  } else {
    logger.error('could not start', { error: error instanceof Error ? error.message : String(error) });
  }
  process.exit(1);
});
