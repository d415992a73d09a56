/**
 * The runner's structured logger, written to Astro's terminal output: in `astro dev` the instructor reads
 * the lines, so fields become `name=value` after the message instead of a JSON object.
 */
import type { AstroIntegrationLogger } from 'astro';
import type { Level, Logger } from '../server/log.ts';

function format(msg: string, fields: Record<string, unknown> = {}): string {
  const parts = Object.entries(fields).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length > 0 ? `${msg} (${parts.join(', ')})` : msg;
}

export function runnerLogger(logger: AstroIntegrationLogger): Logger {
  const log = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    logger[level](format(msg, fields));
  };
  return {
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    // Vite and Astro already report requests in the dev server's own way.
    request: () => {},
  };
}
