import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STAMP, staleReason } from '../../../src/server/build.ts';
import { tempDir } from './helpers.ts';

describe('deciding whether to build before serving', () => {
  let temp: ReturnType<typeof tempDir>;
  let root: string;
  let dist: string;
  const HOUR = 3_600_000;
  const at = (path: string, ms: number): void => utimesSync(join(root, path), new Date(ms), new Date(ms));
  const file = (path: string, ms: number): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), 'x');
    at(path, ms);
  };

  beforeEach(() => {
    temp = tempDir('tfl-build-');
    root = temp.dir;
    dist = join(root, 'dist');
    const now = Date.now();
    file('src/pages/index.astro', now - 3 * HOUR);
    file('content/chapters/01-codebase.mdx', now - 3 * HOUR);
    file('labs/03-config/lab.json', now - 3 * HOUR);
    file('package.json', now - 3 * HOUR);
    file('dist/index.html', now - 2 * HOUR);
    file(`dist/${STAMP}`, now - 2 * HOUR);
  });
  afterEach(() => temp.remove());

  it('builds when there is no build', () => {
    expect(staleReason(root, join(root, 'nowhere'))).toBe('no build yet');
  });

  it('builds when the build has no stamp (made by hand, or interrupted)', () => {
    const other = join(root, 'other-dist');
    mkdirSync(other);
    writeFileSync(join(other, 'index.html'), '');
    expect(staleReason(root, other)).toContain(`no ${STAMP}`);
  });

  it('serves the existing build when nothing changed since it', () => {
    expect(staleReason(root, dist)).toBeUndefined();
  });

  it.each(['content/chapters/01-codebase.mdx', 'labs/03-config/lab.json', 'package.json', 'src/pages/index.astro'])(
    'rebuilds when %s changed after the build, naming it',
    (path) => {
      at(path, Date.now());
      expect(staleReason(root, dist)).toBe(`${path} changed after the last build`);
    },
  );

  it('rebuilds for a new file in public/ or a new astro.config.mjs', () => {
    file('public/favicon.svg', Date.now());
    expect(staleReason(root, dist)).toContain('public/favicon.svg');
  });

  it('ignores server code, tests and installed packages, which do not change the site', () => {
    file('src/server/app.ts', Date.now());
    file('src/workspace/stores/files.test.ts', Date.now());
    file('labs/_kit/node_modules/x/index.js', Date.now());
    expect(staleReason(root, dist)).toBeUndefined();
  });
});
