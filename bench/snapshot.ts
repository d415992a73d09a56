/**
 * WebContainer `node_modules` snapshot benchmark: bytes of the snapshot a static deployment serves (raw,
 * gzip, brotli; the wire bytes are the gzip file the site ships), against the untrimmed snapshot of the
 * same packages built in the same run, and the time a page takes to fetch and decompress it from a plain
 * static server that compresses nothing: medians of cold fetches in Chromium, unthrottled and on Slow 4G.
 * The page runs the site's own fetch code (src/workspace/runtime/webcontainer/snapshot-fetch.ts).
 * Target: ≤ 1.2 MB on the wire.
 *
 *   npm run bench:snapshot [-- --runs 7]
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { snapshot } from '@webcontainer/snapshot';
import ts from 'typescript';
import { buildNodeModulesSnapshot, labPackages } from '../src/workspace/build/node-modules-snapshot.ts';
import { loadLab, resolvePackages } from '../src/lab-model/index.ts';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 7;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a whole number ≥ 1, e.g. --runs 7');
const WIRE_LIMIT = 1.2 * 1024 * 1024;
const MODULES = join(process.cwd(), 'node_modules');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Lighthouse's Slow 4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up. */
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
const sizes = (raw: Uint8Array) => ({
  raw: raw.length,
  gz: gzipSync(raw, { level: constants.Z_BEST_COMPRESSION }).length,
  br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length,
});

console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} on this machine`);

// The Config lab's packages (every lab declares the same today).
const plan = labPackages(await loadLab('03-config'));
// Before: every file of the same packages, as the site shipped them (uncompressed `.bin`).
const untrimmedRoot = await mkdtemp(join(tmpdir(), 'tfl-bench-snapshot-'));
let untrimmed: Uint8Array;
try {
  for (const [folder, names] of [['node_modules', plan.app], ['.lab/node_modules', plan.kit]] as const) {
    for (const { path } of (await resolvePackages(names, MODULES)).packages) {
      await cp(join(MODULES, path), join(untrimmedRoot, folder, path), { recursive: true, dereference: true, filter: (source) => !source.startsWith(join(MODULES, path, 'node_modules')) });
    }
  }
  untrimmed = new Uint8Array(await snapshot(untrimmedRoot));
} finally {
  await rm(untrimmedRoot, { recursive: true, force: true });
}
const built = await buildNodeModulesSnapshot(MODULES, plan);
const raw = new Uint8Array(gunzipSync(built.gzip));
const before = sizes(untrimmed);
const after = sizes(raw);
console.log(`\nsnapshot bytes        raw        gzip       brotli     on the wire`);
console.log(`untrimmed (before)    ${kb(before.raw).padEnd(10)} ${kb(before.gz).padEnd(10)} ${kb(before.br).padEnd(10)} ${kb(before.raw)} from a host that compresses nothing`);
console.log(`trimmed (after)       ${kb(after.raw).padEnd(10)} ${kb(after.gz).padEnd(10)} ${kb(after.br).padEnd(10)} ${kb(built.gzip.length)} from any host (shipped gzip)`);
console.log(`files ${built.files}, packages ${built.packages.length}; wire bytes ${(built.gzip.length / untrimmed.length).toFixed(3)}× before; ${built.gzip.length <= WIRE_LIMIT ? 'within' : 'OVER'} the 1.2 MB target`);

// A plain static server: files as they are, application/octet-stream, no compression of any kind.
const fetchCode = ts.transpileModule(await readFile('src/workspace/runtime/webcontainer/snapshot-fetch.ts', 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const files: Record<string, { type: string; body: Uint8Array | string }> = {
  '/': { type: 'text/html', body: '<!doctype html><title>snapshot bench</title>' },
  '/snapshot-fetch.js': { type: 'text/javascript', body: fetchCode },
  '/after.bin': { type: 'application/octet-stream', body: built.gzip },
  '/before.bin': { type: 'application/octet-stream', body: untrimmed },
};
/** Bytes the server sent for each path, last time. */
const sent = new Map<string, number>();
const server = createServer((request, response) => {
  const file = files[request.url ?? ''];
  if (!file) return void response.writeHead(404).end();
  sent.set(request.url ?? '', file.body.length);
  response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ARGS });
try {
  console.log(`\nfetch in the page, cold, from a host that compresses nothing      median     runs   after arrival   bytes sent`);
  // Slow 4G moves the untrimmed 10 MB in about a minute a time: one run says enough there.
  const plan = [
    ['unthrottled', null, 'before', RUNS],
    ['unthrottled', null, 'after', RUNS],
    ['Slow 4G', SLOW_4G, 'before', 1],
    ['Slow 4G', SLOW_4G, 'after', RUNS],
  ] as const;
  for (const [label, throttle, which, runs] of plan) {
    const totals: number[] = [];
    const inflates: number[] = [];
    let received = 0;
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      if (throttle) await (await context.newCDPSession(page)).send('Network.emulateNetworkConditions', throttle);
      await page.goto(`${base}/`);
      const timing = await page.evaluate(async (url) => {
        // A URL in a variable: the bench server's module, not one for the type checker to resolve.
        const module = '/snapshot-fetch.js';
        const { fetchSnapshot } = (await import(module)) as typeof import('../src/workspace/runtime/webcontainer/snapshot-fetch.ts');
        // The site's fetch, with the moment the last byte arrived noted: what follows is decompressing (gzip).
        let arrived = 0;
        const noting: typeof fetch = async (input, init) => {
          const response = await fetch(input, init);
          const body = await response.arrayBuffer();
          arrived = performance.now();
          return new Response(body, { status: response.status });
        };
        const started = performance.now();
        const bytes = await fetchSnapshot(url, undefined, noting);
        const done = performance.now();
        return { total: done - started, inflate: done - arrived, bytes: bytes.length };
      }, `${base}/${which}.bin`);
      if (timing.bytes !== (which === 'after' ? raw.length : untrimmed.length)) throw new Error(`${which}: the page got ${timing.bytes} bytes, not the snapshot`);
      totals.push(timing.total);
      inflates.push(timing.inflate);
      await context.close();
      received = sent.get(`/${which}.bin`) ?? 0;
    }
    const row = `  ${label.padEnd(12)} ${which === 'before' ? 'before (untrimmed, raw)' : 'after (trimmed, gzip) '}`;
    console.log(`${row.padEnd(72)} ${`${median(totals).toFixed(0)} ms`.padEnd(10)} ${String(runs).padEnd(6)} ${`${median(inflates).toFixed(0)} ms`.padEnd(15)} ${kb(received)}`);
  }
} finally {
  await browser.close();
  server.close();
}
