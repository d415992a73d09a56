/**
 * The course server goes away under an open lab and comes back. This story runs its own server (the
 * shared one must stay up for the other stories), stops it, and starts it again on the same address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { check, checkRow } from './lab-helpers.ts';

// Each story runs the checker at least once; on a loaded machine that alone can take a minute.
test.describe.configure({ timeout: 240_000 });

const root = join(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['src/server/main.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), BUILD_ON_START: 'never' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the course server exited with code ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"listening"') || chunk.toString().includes('listening')) resolve();
    });
  });
  child.stdout!.resume();
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

test('when the course server goes away the lab says so within seconds, keeps its check list, and reconnects by itself', async ({ page }) => {
  const port = await freePort();
  let server = await startServer(port);
  try {
    await page.goto(`http://127.0.0.1:${port}/factors/03-config/`);
    const lab = page.getByRole('complementary', { name: 'Lab' });
    const status = lab.getByRole('status').first();
    await expect(status).toHaveText(/^Ready/, { timeout: 20_000 });
    await check(page, lab, 1);
    const row = checkRow(lab, 'Listens on the port given in PORT');
    await expect(row).toHaveAttribute('data-status', 'fail');

    await stopServer(server);
    await expect(status).toHaveText(/^Disconnected from the course server/, { timeout: 5_000 });
    await expect(lab.getByText(/reconnects by itself/)).toBeVisible();
    await expect(row).toHaveAttribute('data-status', 'fail');

    server = await startServer(port);
    await expect(status).toHaveText(/^Ready/, { timeout: 20_000 });
    await expect(lab.getByText(/reconnects by itself/)).toHaveCount(0);
    // The new workspace works: a check runs on the learner's files.
    await check(page, lab, 2);
    await expect(row).toHaveAttribute('data-status', 'fail');
  } finally {
    await stopServer(server);
  }
});
