/**
 * The environment of lab processes. Deliberately small: the server's own environment may hold secrets,
 * and a lab that teaches config should see only what a fresh shell would, plus REDIS_URL when the
 * operator gave one.
 */
import { delimiter, dirname, join } from 'node:path';

const PASSED = ['HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

export function labEnv(options: { rootDir: string; redisUrl?: string | undefined; from?: NodeJS.ProcessEnv }): Record<string, string> {
  const from = options.from ?? process.env;
  const env: Record<string, string> = {};
  for (const name of PASSED) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  // `node` must be the course's Node (the project's own, which may differ from the system's).
  env['PATH'] = [dirname(process.execPath), join(options.rootDir, 'node_modules', '.bin'), from['PATH'] ?? '/usr/local/bin:/usr/bin:/bin']
    .filter(Boolean)
    .join(delimiter);
  env['LANG'] ??= 'C.UTF-8';
  env['SHELL'] = '/bin/sh';
  // There is no terminal behind these pipes; programs should not send cursor control sequences.
  env['TERM'] = 'dumb';
  if (options.redisUrl) env['REDIS_URL'] = options.redisUrl;
  return env;
}
