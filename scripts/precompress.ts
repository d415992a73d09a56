/**
 * Last step of `npm run build`: writes `.br` and `.gz` next to every compressible asset in `dist/` so the
 * server sends them without compressing per request, then writes the build stamp `npm start` uses to tell
 * whether the build is current. HTML is left alone: the server rewrites each page (the runner token) and
 * compresses the result itself.
 *
 *   node scripts/precompress.ts [distDir]
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

// Not `.bin`: the WebContainer's node_modules snapshots are gzip bytes already, which the page itself
// decompresses (so that any static host serves them small); compressing them again gains nothing.
const COMPRESSIBLE = /\.(js|mjs|css|svg|json|txt|xml|map|webmanifest|wasm|ico|ttf|otf)$/i;
/** Below this, headers outweigh the savings. */
const MIN_BYTES = 1024;
/** Above this, brotli's top quality costs seconds per file for a few percent; a fast level is nearly as small. */
const LARGE_BYTES = 1024 * 1024;

async function compress(file: string): Promise<number> {
  const data = await readFile(file);
  if (data.length < MIN_BYTES) return 0;
  const [br, gzipped] = await Promise.all([
    brotli(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: data.length > LARGE_BYTES ? 6 : constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    gz(data, { level: constants.Z_BEST_COMPRESSION }),
  ]);
  let written = 0;
  // A sibling that is not smaller would only cost bytes on disk and a useless lookup.
  if (br.length < data.length) written += (await writeFile(`${file}.br`, br), 1);
  if (gzipped.length < data.length) written += (await writeFile(`${file}.gz`, gzipped), 1);
  return written;
}

async function main(): Promise<void> {
  const dist = resolve(process.argv[2] ?? 'dist');
  const info = await stat(dist).catch(() => undefined);
  if (!info?.isDirectory()) {
    console.error(`precompress: ${dist} is not a folder; run \`astro build\` first.`);
    process.exit(1);
  }
  const files = (await readdir(dist, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && COMPRESSIBLE.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
  const started = Date.now();
  let written = 0;
  // A few at a time: brotli at maximum quality is CPU-heavy.
  for (let i = 0; i < files.length; i += 4) {
    for (const count of await Promise.all(files.slice(i, i + 4).map(compress))) written += count;
  }
  await writeFile(join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
  console.error(`precompress: ${written} compressed files for ${files.length} assets in ${Date.now() - started} ms`);
}

await main();
