/**
 * Serves the built site. Assets go through sirv (precompressed `.br`/`.gz` siblings, ETags); HTML goes
 * through `html-pages.ts` because every page gets the runner token written into it at request time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import sirv from 'sirv';
import { createHtmlPages } from './html-pages.ts';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Folders whose files are named by their content: Astro's assets, the WebContainer node_modules snapshots. */
const HASHED = ['/_astro/', '/labs/node-modules/'];
/** Unhashed files may change with any build: the browser keeps them but revalidates by ETag. */
export const REVALIDATE = 'no-cache';

export interface StaticOptions {
  distDir: string;
  /** The meta tags to add to a page for this request, or '' for none. */
  headTags: (req: IncomingMessage) => string;
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createStaticHandler(options: StaticOptions): StaticHandler {
  if (!existsSync(options.distDir)) {
    throw new Error(`The built site is missing at ${options.distDir}; run \`npm run build\` or start with BUILD_ON_START=auto.`);
  }
  const pages = createHtmlPages(options.distDir);
  const assets = sirv(options.distDir, {
    dev: false,
    etag: true,
    gzip: true,
    brotli: true,
    // HTML is handled above; sirv must not guess `.html` for extensionless paths.
    extensions: [],
    dotfiles: false,
    setHeaders(res, pathname) {
      res.setHeader('Cache-Control', HASHED.some((folder) => pathname.startsWith(folder)) ? IMMUTABLE : REVALIDATE);
    },
  });

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('Method not allowed\n');
      return;
    }
    const pathname = decodedPath(req);
    if (pathname === undefined) {
      await pages.send(req, res, '/404.html', 404, options.headTags(req));
      return;
    }
    const page = pages.resolve(pathname);
    if (page) {
      await pages.send(req, res, page, 200, options.headTags(req));
      return;
    }
    await new Promise<void>((done) => {
      res.once('close', done);
      assets(req, res, () => {
        pages.send(req, res, '/404.html', 404, options.headTags(req)).then(done, done);
      });
    });
  };
}

function decodedPath(req: IncomingMessage): string | undefined {
  const raw = (req.url ?? '/').split('?')[0] ?? '/';
  try {
    const path = decodeURIComponent(raw);
    return path.includes('\0') ? undefined : path;
  } catch {
    return undefined;
  }
}
