import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../src/server/config.ts';
import { createHostGuard } from '../../../src/server/hosts.ts';
import { createLogger } from '../../../src/server/log.ts';
import { createRunner } from '../../../src/server/local-runner/runner.ts';
import { fakeLabs, tempDir } from './helpers.ts';

it('on start, deletes workspaces whose server died without cleaning up, and only those', async () => {
  const scratch = tempDir('tfl-orphans-');
  try {
    const dead = join(scratch.dir, 'twelve-factor-lab-999999999-abc123');
    const living = join(scratch.dir, `twelve-factor-lab-${process.pid}-def456`);
    const unrelated = join(scratch.dir, 'something-else');
    for (const dir of [dead, living, unrelated]) mkdirSync(dir);
    const logs: string[] = [];
    const runner = createRunner({
      token: 'unused',
      hosts: createHostGuard({ host: '127.0.0.1', port: 1, allowRemote: false }),
      limits: DEFAULT_LIMITS,
      logger: createLogger((line) => logs.push(line)),
      labs: fakeLabs,
      env: {},
      workRoot: scratch.dir,
    });
    await runner.swept;
    await runner.close?.();
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(living)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    expect(logs.join('')).toContain('"msg":"removed workspaces of a previous run","count":1');
  } finally {
    scratch.remove();
  }
});
