/**
 * Logs are an event stream (factor XI): one JSON object per line on stdout, nothing else on stdout.
 * Request lines carry method/path/status/ms; lifecycle lines carry level and msg.
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  request(fields: { method: string; path: string; status: number; ms: number }): void;
}

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const emit = (record: Record<string, unknown>): void => {
    write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  };
  const log = (level: Level, msg: string, fields: Record<string, unknown> = {}): void => {
    emit({ level, msg, ...fields });
  };
  return {
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    request: (fields) => emit({ level: 'info', msg: 'request', ...fields }),
  };
}

/** A logger that drops everything, for code paths under test that do not assert on logs. */
export const silentLogger: Logger = createLogger(() => {});
