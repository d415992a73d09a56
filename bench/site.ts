/**
 * Site benchmark: build time for all chapters, and what a browser downloads for a chapter page before
 * any lab is used (gzip bytes of HTML, CSS, JavaScript). With `--lighthouse`, also runs Lighthouse
 * (mobile) on a chapter page served by the production server.
 *
 *   npm run bench:site [-- --lighthouse] [-- --runs 3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const r = spawnSync('npx', ['astro', 'build'], { cwd: root, stdio: 'ignore' });
  if (r.status !== 0) throw new Error('astro build failed; run `npx astro build` to see why');
  times.push((performance.now() - t) / 1000);
}
const chapterDirs = readdirSync(join(dist, 'factors')).filter((d) => /^\d\d-/.test(d));
console.log(`build: ${chapterDirs.length} chapter pages; median of ${runs}: ${median(times).toFixed(2)} s (runs: ${times.map((t) => t.toFixed(2)).join(', ')}; target ≤ 20 s)`);

const gz = (text: string | Buffer) => gzipSync(text, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** Everything the HTML pulls in before the lab is used: stylesheets, module scripts and their static imports. */
function pageWeight(htmlPath: string) {
  const html = readFileSync(htmlPath, 'utf8');
  const css = new Set<string>();
  const js = new Set<string>();
  for (const m of html.matchAll(/<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"/g)) css.add(m[1]!);
  for (const m of html.matchAll(/<script[^>]+src="([^"]+)"/g)) js.add(m[1]!);
  // Static imports of the entry scripts load eagerly; dynamic import() waits for the lab.
  const queue = [...js];
  while (queue.length) {
    const src = queue.shift()!;
    const file = join(dist, src);
    if (!existsSync(file)) continue;
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"()]*?from\s*)?["']([^"']+)["']/g)) {
      const dep = new URL(m[1]!, `http://x${src}`).pathname;
      if (!js.has(dep)) (js.add(dep), queue.push(dep));
    }
  }
  const inlineJs = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!).join('\n');
  const inlineCss = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1]!).join('\n');
  const read = (p: string) => (existsSync(join(dist, p)) ? readFileSync(join(dist, p)) : Buffer.alloc(0));
  return {
    html: gz(html),
    css: [...css].reduce((n, p) => n + gz(read(p)), 0),
    cssInline: gz(inlineCss),
    js: [...js].reduce((n, p) => n + gz(read(p)), 0),
    jsInline: gz(inlineJs),
    files: { css: [...css], js: [...js] },
  };
}

for (const dir of chapterDirs.filter((d) => ['03-config', '11-logs'].includes(d))) {
  const w = pageWeight(join(dist, 'factors', dir, 'index.html'));
  console.log(
    `page /factors/${dir}/: HTML ${kb(w.html)} gzip (inline CSS ${kb(w.cssInline)}, inline JS ${kb(w.jsInline)}); ` +
      `CSS files ${kb(w.css)}; JS files ${kb(w.js)} (${w.files.js.length} files); ` +
      `JS before the lab is used: ${kb(w.js + w.jsInline)} (target ≤ 15 KB)`,
  );
}

if (args.includes('--lighthouse')) {
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  const server = spawn('node', ['src/server/main.ts'], { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok).catch(() => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = `http://127.0.0.1:${port}/factors/03-config/`;
    const lh = spawnSync(
      'npx',
      ['-y', 'lighthouse@13', url, '--quiet', '--output=json', '--only-categories=performance,accessibility',
        '--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync'],
      { cwd: root, env: { ...process.env, CHROME_PATH: process.env['CHROME_PATH'] ?? '/usr/bin/chromium' }, maxBuffer: 64 * 1024 * 1024 },
    );
    const report = JSON.parse(lh.stdout.toString());
    const c = report.categories;
    console.log(`lighthouse (mobile) ${url}: performance ${c.performance.score}, accessibility ${c.accessibility.score} (targets ≥ 0.95, 1.00)`);
    for (const id of ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift']) {
      console.log(`  ${id}: ${report.audits[id].displayValue}`);
    }
  } finally {
    server.kill('SIGTERM');
  }
}
