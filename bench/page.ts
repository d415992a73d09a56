/**
 * Page benchmark: a chapter page at desktop width, the lab in view beside the prose, loaded cold (a fresh
 * browser context each time) from the production server. For each load: first contentful paint, largest
 * contentful paint, the gzip bytes of JavaScript requested before the load event and once the network is
 * quiet, and how long after the learner's first interaction (pointer onto the editor, then a click) the
 * editor is editable. Medians of `--runs` loads (default 7), unthrottled and on Slow 4G with 4× CPU
 * slowdown, each interleaved with a plain static page of the same HTML size (text only, no CSS or script)
 * served by the same server, so the ratio says how far the chapter is from what this machine can do now.
 * Then, once, the lab's JavaScript with Run's output on screen. Prints the load average before and after.
 *
 * Targets (issue 15): FCP ≤ 0.6 s, LCP ≤ 0.9 s unthrottled on a quiet machine; JS at load ≤ 30 KB gz;
 * editable ≤ 0.5 s after the first interaction; lab JS with Run's output shown ≤ 135 KB gz.
 *
 *   npm run build && npm run bench:page [-- --runs 7] [-- --chapter 03-config]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from '@playwright/test';

const flag = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? '') : fallback;
};
const RUNS = Number(flag('runs', '7'));
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a whole number ≥ 1, e.g. --runs 7');
const CHAPTER = flag('chapter', '03-config');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1440, height: 900 };
/** Lighthouse's Slow 4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up; CPU 4× slower. */
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

const root = join(import.meta.dirname, '..');
const dist = process.env['DIST_DIR'] ?? join(root, 'dist');
const chapterFile = join(dist, 'factors', CHAPTER, 'index.html');
let chapterHtml: string;
try {
  chapterHtml = readFileSync(chapterFile, 'utf8');
} catch {
  throw new Error(`${chapterFile} is missing: run \`npm run build\` first (or pass --chapter with a chapter id that has a lab).`);
}

// The reference: a page of plain paragraphs as long as the chapter's HTML, written into the build for
// this run only (the server lists pages when it starts) and removed afterwards.
const REFERENCE = 'bench-reference-page';
const words = 'the app reads its config from the environment and logs to stdout while a backing service holds the count'.split(' ');
let text = '';
for (let i = 0; text.length < chapterHtml.length - 400; i++) text += `<p>${Array.from({ length: 60 }, (_, j) => words[(i * 7 + j) % words.length]).join(' ')}.</p>\n`;
mkdirSync(join(dist, REFERENCE), { recursive: true });
writeFileSync(join(dist, REFERENCE, 'index.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Reference</title></head><body><h1>A plain page of the same size</h1>\n${text}</body></html>\n`);

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const load = (): string => loadavg().map((n) => n.toFixed(2)).join(' ');

interface Sample {
  fcp: number;
  lcp: number;
  jsAtLoad: number;
  jsQuiet: number;
  /** ms from the first interaction to an editable editor; NaN for the reference page. */
  editable: number;
  /** ms from navigation start to an editable editor (the interaction comes once the network is quiet). */
  editableAt: number;
}

/** In the page from the first byte: when the first pointer event arrived and when the editor became editable. */
const WATCH = (): void => {
  const marks: Record<string, number> = {};
  (window as unknown as { __bench: Record<string, number> }).__bench = marks;
  addEventListener('pointermove', (event) => (marks['interaction'] ??= event.timeStamp), { capture: true });
  new MutationObserver(() => {
    if (marks['editable'] === undefined && document.querySelector('.cm-content[contenteditable="true"]')) marks['editable'] = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['contenteditable'] });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) marks['lcp'] = entry.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
};

async function coldLoad(browser: Browser, url: string, throttled: boolean, lab: boolean): Promise<Sample> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  if (throttled) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  }
  await page.addInitScript(WATCH);
  const scripts: Promise<{ bytes: number; atLoad: boolean }>[] = [];
  let loaded = false;
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    const atLoad = !loaded;
    scripts.push(response.body().then((body) => ({ bytes: gzipSync(body).length, atLoad }), () => ({ bytes: 0, atLoad })));
  });
  page.on('load', () => (loaded = true));
  // Inline scripts count too: they are JavaScript the page runs at load.
  await page.goto(url, { waitUntil: 'load' });
  const inline = await page.evaluate(() => [...document.querySelectorAll('script:not([src])')].map((s) => s.textContent ?? '').join('\n'));
  const inlineBytes = inline.trim() ? gzipSync(inline).length : 0;
  const jsAtLoad = inlineBytes + (await Promise.all(scripts)).filter((s) => s.atLoad).reduce((n, s) => n + s.bytes, 0);
  await page.waitForLoadState('networkidle');
  const jsQuiet = inlineBytes + (await Promise.all(scripts)).reduce((n, s) => n + s.bytes, 0);
  let editable = Number.NaN;
  let editableAt = Number.NaN;
  if (lab) ({ editable, editableAt } = await interact(page));
  const marks = await page.evaluate(() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return { fcp: paint?.startTime ?? Number.NaN, lcp: (window as unknown as { __bench: Record<string, number> }).__bench['lcp'] ?? Number.NaN };
  });
  await context.close();
  return { ...marks, jsAtLoad, jsQuiet, editable, editableAt };
}

/** Moves the pointer onto the editor and clicks it; ms from that first pointer event to an editable editor. */
async function interact(page: Page): Promise<{ editable: number; editableAt: number }> {
  const box = await page.locator('[data-slot="editor"]').boundingBox();
  if (!box) throw new Error('the lab editor is not on screen at 1440×900; is the lab beside the prose?');
  await page.mouse.move(box.x + box.width / 2, box.y + 40);
  await page.mouse.click(box.x + box.width / 2, box.y + 40);
  await page.locator('.cm-content[contenteditable="true"]').first().waitFor({ timeout: 60_000 });
  const marks = await page.evaluate(() => (window as unknown as { __bench: Record<string, number> }).__bench);
  return { editable: Math.max(0, marks['editable']! - marks['interaction']!), editableAt: marks['editable']! };
}

/** The lab's JavaScript (gzip) once Run's output is on screen: the learner's first Run. */
async function withRunOutput(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const scripts: Promise<number>[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'script') scripts.push(response.body().then((body) => gzipSync(body).length, () => 0));
  });
  await page.goto(url);
  const lab = page.getByRole('complementary', { name: 'Lab' });
  await lab.getByRole('status').filter({ hasText: /^Ready/ }).waitFor({ timeout: 60_000 });
  await lab.getByRole('button', { name: 'Run', exact: true }).click();
  await lab.getByRole('tabpanel', { name: /^Terminal/ }).getByText(/\S/).first().waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  // Closing the page ends the lab session, which stops the app: no need to wait for Stop on a busy machine.
  const total = (await Promise.all(scripts)).reduce((n, b) => n + b, 0);
  await context.close();
  return total;
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
console.log(`load average ${load()} (1, 5, 15 min) before; ${RUNS} cold loads each, ${VIEWPORT.width}×${VIEWPORT.height}`);
const server = spawn(process.execPath, ['src/server/main.ts'], { cwd: root, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DIST_DIR: dist }, stdio: ['ignore', 'ignore', 'inherit'] });
try {
  for (let i = 0; i < 600 && !(await fetch(base).then((r) => r.ok).catch(() => false)); i++) await new Promise((r) => setTimeout(r, 250));
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ARGS });
  const s = (ms: number): string => (Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(2)} s`);
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  try {
    for (const throttled of [false, true]) {
      const chapter: Sample[] = [];
      const reference: Sample[] = [];
      // Interleaved, so a busy moment on the machine falls on both pages alike.
      for (let run = 0; run < RUNS; run++) {
        chapter.push(await coldLoad(browser, `${base}/factors/${CHAPTER}/`, throttled, true));
        reference.push(await coldLoad(browser, `${base}/${REFERENCE}/`, throttled, false));
      }
      const m = (samples: Sample[], key: keyof Sample): number => median(samples.map((x) => x[key]));
      console.log(`\n${throttled ? 'Slow 4G + 4× CPU' : 'unthrottled'}: /factors/${CHAPTER}/ against a plain page of the same size (medians)`);
      for (const key of ['fcp', 'lcp'] as const) {
        const [c, r] = [m(chapter, key), m(reference, key)];
        console.log(`  ${key.toUpperCase().padEnd(4)} ${s(c).padEnd(8)} reference ${s(r).padEnd(8)} ratio ${(c / r).toFixed(2)}×   runs ${chapter.map((x) => x[key].toFixed(0)).join(', ')} ms`);
      }
      console.log(`  editor editable after the first interaction ${s(m(chapter, 'editable'))}   runs ${chapter.map((x) => x.editable.toFixed(0)).join(', ')} ms`);
      console.log(`  editor editable from navigation start ${s(m(chapter, 'editableAt'))} (the interaction waits for a quiet network)`);
      console.log(`  JS gzip before the load event ${kb(m(chapter, 'jsAtLoad'))}; once the network is quiet ${kb(m(chapter, 'jsQuiet'))}`);
    }
    console.log(`\nlab JS gzip with Run's output shown ${kb(await withRunOutput(browser, `${base}/factors/${CHAPTER}/`))}`);
  } finally {
    await browser.close();
  }
} finally {
  server.kill('SIGTERM');
  rmSync(join(dist, REFERENCE), { recursive: true, force: true });
  console.log(`load average ${load()} after`);
}
