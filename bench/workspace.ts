/**
 * Lab workspace benchmark, on the local runner: opening a chapter to an editable editor (median), Check to
 * the last verdict for each reference lab (median, on the typed solution), and the gzip bytes of JavaScript
 * a chapter page loads before the lab is used, once the lab is ready, and once Run's output is shown.
 * Targets: ≤ 0.6 s, ≤ 3 s, ≤ 15 KB, ≤ 200 KB. Starts its own server on a free port; `DIST_DIR` picks the build.
 *
 *   npm run bench:workspace [-- --runs 5]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from '@playwright/test';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 5;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a whole number ≥ 1, e.g. --runs 5');
const LABS = ['03-config', '06-processes', '09-disposability'];
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ['src/server/main.ts'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'] });
try {
  for (let i = 0; i < 600 && !(await fetch(base).then((r) => r.ok).catch(() => false)); i++) await new Promise((r) => setTimeout(r, 250));
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ARGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });

  // Opening a chapter to an editable editor (the HTTP cache warms after the first visit, as for a learner).
  // The first open is a fresh tab with a cold cache; the rest are a learner moving from page to page.
  const opens: number[] = [];
  const tab = await context.newPage();
  for (let i = 0; i < RUNS + 1; i++) {
    if (i > 0) await tab.goto(`${base}/`);
    await tab.goto(`${base}/factors/03-config/`);
    await tab.waitForSelector('.cm-content[contenteditable="true"]');
    opens.push(await tab.evaluate(() => performance.now()));
  }
  await tab.close();
  const cold = opens.shift()!;

  // Check → last verdict, on each lab's solution.
  const checks: Record<string, number[]> = {};
  for (const lab of LABS) {
    const page = await context.newPage();
    const data = (await (await fetch(`${base}/labs/${lab}/workspace.json`)).json()) as { solution: Record<string, string>; starter: Record<string, string> };
    await page.goto(`${base}/factors/${lab}/`);
    await page.getByRole('status').filter({ hasText: /^Ready/ }).waitFor({ timeout: 20_000 });
    for (const [path, text] of Object.entries(data.solution)) {
      if (text === data.starter[path]) continue;
      await page.getByRole('tab', { name: path }).click();
      await page.getByRole('textbox', { name: path, exact: true }).click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(text);
    }
    checks[lab] = [];
    for (let run = 1; run <= Math.min(RUNS, 3); run++) {
      const started = Date.now();
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      await page.locator('[data-slot="announce"]').filter({ hasText: new RegExp(`^Check run ${run}: `) }).waitFor({ timeout: 60_000 });
      checks[lab].push(Date.now() - started);
      const verdict = await page.locator('[data-slot="announce"]').textContent();
      if (!verdict?.includes('all')) console.warn(`${lab}: the solution did not pass: ${verdict}`);
    }
    await page.close();
  }

  // JavaScript bytes: a phone-width chapter page before the lab is reached, once it is ready, once the terminal opens.
  const mobile = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page: Page = await mobile.newPage();
  const scripts = new Map<string, number>();
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    void response.body().then((body) => scripts.set(response.url(), gzipSync(body).length)).catch(() => undefined);
  });
  const total = (): number => [...scripts.values()].reduce((sum, n) => sum + n, 0);
  await page.goto(`${base}/factors/03-config/`, { waitUntil: 'networkidle' });
  const before = total();
  await page.locator('[data-lab-workspace]').scrollIntoViewIfNeeded();
  await page.getByRole('status').filter({ hasText: /^Ready/ }).waitFor({ timeout: 20_000 });
  await page.waitForLoadState('networkidle');
  const ready = total();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('log', { name: 'Output of Run' }).getByText(/\S/).first().waitFor();
  await page.waitForLoadState('networkidle');
  const withTerminal = total();
  await browser.close();

  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log('Lab workspace (local runner)');
  console.log(`  chapter open → editable editor  median ${s(median(opens))} (cold first open ${s(cold)}; runs ${opens.map((v) => v.toFixed(0)).join(', ')} ms)   target ≤ 0.60 s`);
  for (const lab of LABS) console.log(`  Check → last verdict ${lab.padEnd(17)} median ${s(median(checks[lab]!))} (runs ${checks[lab]!.join(', ')} ms)   target ≤ 3 s`);
  console.log(`  JS gzip before the lab is used   ${kb(before)}   target ≤ 15 KB`);
  console.log(`  JS gzip once the lab is ready    ${kb(ready)}   target ≤ 200 KB`);
  console.log(`  JS gzip with Run's output shown  ${kb(withTerminal)}   target ≤ 135 KB`);
} finally {
  server.kill('SIGTERM');
}
