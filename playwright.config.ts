import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests drive the built site served by the production server (`npm start`'s entry),
 * with the local lab runner — the path learners take when they run the course on their machine.
 * A second server with LAB_RUNTIME=webcontainer serves the same build to the WebContainer stories.
 * `npm test` picks free ports and a Chromium and passes them in; the defaults suit a manual run.
 */
const port = Number(process.env['E2E_PORT'] ?? 43_210);
const webContainerPort = Number(process.env['E2E_WC_PORT'] ?? 43_211);
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const server = (listenPort: number, env: Record<string, string> = {}) => ({
  command: 'node src/server/main.ts',
  url: `http://127.0.0.1:${listenPort}/`,
  env: { HOST: '127.0.0.1', PORT: String(listenPort), ...env },
  reuseExistingServer: false,
  timeout: 180_000,
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
});

export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: true,
  workers: 2,
  retries: process.env['CI'] ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env['CI'] ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    ...devices['Desktop Chrome'],
    launchOptions: {
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'local', testIgnore: /webcontainer/, use: { baseURL: `http://127.0.0.1:${port}` } },
    { name: 'webcontainer', testMatch: /webcontainer.*\.spec\.ts/, use: { baseURL: `http://127.0.0.1:${webContainerPort}` } },
  ],
  webServer: [server(port), server(webContainerPort, { LAB_RUNTIME: 'webcontainer' })],
});
