import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, 'fixtures/bad-course');
const astro = join(import.meta.dirname, '../../../node_modules/astro/bin/astro.mjs');

it('a real astro build of a course with a broken chapter fails and says what to fix', () => {
  const run = spawnSync(process.execPath, [astro, 'build', '--root', root], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, output).not.toBe(0);
  expect(output).toContain(
    'content/chapters/06-processes.mdx: lab: "06-proceses" is not a lab; labs are 03-config. Fix the id or create labs/06-proceses/lab.json.',
  );
  expect(output).toContain('content/chapters/06-processes.mdx: factor: 3 does not match the file name, which starts with "06".');
  // The messages stand alone: no stack into the loader under them.
  expect(output).not.toContain('Stack trace');
  // The valid chapter next to it is not blamed.
  expect(output).not.toContain('content/chapters/03-config.mdx:');
}, 60_000);
