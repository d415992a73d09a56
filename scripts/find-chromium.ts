/**
 * Finds a Chromium for the end-to-end tests, or installs one, and says which it uses.
 * Order: $CHROMIUM_PATH, the system's browser, Playwright's own download, then an install:
 * Playwright's installer where downloads work, Debian's `chromium` package when running as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SYSTEM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export interface FoundChromium {
  path: string;
  source: string;
}

async function playwrightsOwn(): Promise<string | undefined> {
  try {
    const { chromium } = await import('@playwright/test');
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function firstExisting(): FoundChromium | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, but no file is there. Unset it or point it at a Chromium binary.`);
    return { path: fromEnv, source: 'CHROMIUM_PATH' };
  }
  const system = SYSTEM_CANDIDATES.find((p) => existsSync(p));
  return system ? { path: system, source: 'system' } : undefined;
}

function run(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'inherit' }).status === 0;
}

export async function findChromium(): Promise<FoundChromium> {
  const found = firstExisting();
  if (found) return found;
  const own = await playwrightsOwn();
  if (own) return { path: own, source: "Playwright's download" };

  console.log('No Chromium found; trying Playwright\'s installer…');
  if (run('npx', ['playwright', 'install', 'chromium'])) {
    const installed = await playwrightsOwn();
    if (installed) return { path: installed, source: "Playwright's download (just installed)" };
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let hasApt = false;
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    hasApt = true;
  } catch {}
  if (isRoot && hasApt) {
    console.log("Playwright's download is unavailable; installing Debian's chromium package…");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    if (spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env }).status === 0) {
      const after = firstExisting();
      if (after) return { ...after, source: "Debian's chromium package (just installed)" };
    }
  }
  throw new Error(
    'No Chromium for the end-to-end tests. Install one (e.g. `sudo apt-get install chromium`, or `npx playwright install chromium`) or set CHROMIUM_PATH to a Chromium binary.',
  );
}
