/**
 * Build before serving when the build is missing or older than its sources. The build stamp
 * (`dist/.build-stamp`) is written by `scripts/precompress.ts`, the last step of `npm run build`; its
 * modification time is when the sources were read.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from './log.ts';

export const STAMP = '.build-stamp';

/** Folders and files whose changes change the site. Server code and tests do not. */
const SOURCES = ['src', 'content', 'labs', 'public', 'astro.config.mjs', 'package.json'];
const IGNORED = (rel: string): boolean =>
  /(^|\/)(node_modules|\.git|\.astro)(\/|$)/.test(rel) || rel.startsWith('src/server/') || /\.test\.[cm]?[jt]s$/.test(rel);

/** The newest source file and its mtime, or undefined when there are none. */
export function newestSource(rootDir: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  const visit = (abs: string): void => {
    const rel = relative(rootDir, abs);
    if (IGNORED(rel)) return;
    const stat = statSync(abs, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(abs)) visit(join(abs, name));
    } else if (!newest || stat.mtimeMs > newest.mtimeMs) {
      newest = { file: rel, mtimeMs: stat.mtimeMs };
    }
  };
  for (const source of SOURCES) visit(join(rootDir, source));
  return newest;
}

/** Why the build must run, or undefined when `dist/` is current. */
export function staleReason(rootDir: string, distDir: string): string | undefined {
  const stamp = statSync(join(distDir, STAMP), { throwIfNoEntry: false });
  if (!existsSync(join(distDir, 'index.html'))) return 'no build yet';
  if (!stamp) return `no ${STAMP} in the build (it was not made by \`npm run build\`)`;
  const newest = newestSource(rootDir);
  if (newest && newest.mtimeMs > stamp.mtimeMs) return `${newest.file} changed after the last build`;
  return undefined;
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Build output is for people: it goes to stderr so stdout stays one JSON object per line.
    const child = spawn(argv[0] as string, argv.slice(1), { cwd, env, stdio: ['ignore', process.stderr, process.stderr], ...(signal ? { signal } : {}) });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`\`${argv.slice(1).join(' ')}\` failed (${signal ?? `exit code ${code}`}); its output is above.`)),
    );
  });
}

/**
 * Runs `astro build` and the precompress step with this Node, then dates the stamp to the build's start.
 * Aborting `signal` (SIGTERM during the build) stops the build; the stamp is then missing and the next
 * start builds again.
 */
export async function build(rootDir: string, distDir: string, logger: Logger, signal?: AbortSignal): Promise<void> {
  const started = Date.now();
  logger.info('build started');
  const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
  await rm(join(distDir, STAMP), { force: true });
  await run([process.execPath, join(rootDir, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', distDir], rootDir, env, signal);
  await run([process.execPath, join(rootDir, 'scripts/precompress.ts'), distDir], rootDir, env, signal);
  const stamp = join(distDir, STAMP);
  if (!existsSync(stamp)) await writeFile(stamp, '');
  // A source saved during the build is newer than this, so the next start rebuilds it.
  await utimes(stamp, new Date(started), new Date(started));
  logger.info('build finished', { ms: Date.now() - started });
}
