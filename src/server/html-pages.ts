/**
 * The site's HTML pages, with per-server meta tags injected and compressed on the fly. Each variant is
 * built once and kept in memory: the token is fixed for the life of the process and a build never
 * changes `dist/` under a running server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

interface Variant {
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface HtmlPages {
  /** The page file (`/dir/index.html`) a request path names, or undefined. */
  resolve(pathname: string): string | undefined;
  send(req: IncomingMessage, res: ServerResponse, page: string, status: number, headTags: string): Promise<void>;
}

export function createHtmlPages(distDir: string): HtmlPages {
  const files = new Set(listHtml(distDir));
  const cache = new Map<string, Promise<Variant>>();

  const variant = (page: string, headTags: string): Promise<Variant> => {
    const key = `${page}\n${headTags}`;
    let found = cache.get(key);
    if (!found) {
      found = build(join(distDir, page), headTags);
      // A failed read must not poison the cache for the next request.
      found.catch(() => cache.delete(key));
      cache.set(key, found);
    }
    return found;
  };

  return {
    resolve(pathname) {
      const path = posix.normalize(pathname.startsWith('/') ? pathname : `/${pathname}`);
      const candidates = path.endsWith('/') ? [`${path}index.html`] : [path, `${path}.html`, `${path}/index.html`];
      return candidates.find((candidate) => files.has(candidate));
    },

    async send(req, res, page, status, headTags) {
      if (!files.has(page)) {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
        res.end(status === 404 ? 'Not found\n' : '');
        return;
      }
      const body = await variant(page, headTags);
      const headers: Record<string, string | number> = {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        ETag: body.etag,
        Vary: 'Accept-Encoding',
      };
      if (status === 200 && req.headers['if-none-match'] === body.etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      const encoding = negotiate(req.headers['accept-encoding']);
      const payload = encoding === 'br' ? body.br : encoding === 'gzip' ? body.gzip : body.identity;
      if (encoding) headers['Content-Encoding'] = encoding;
      headers['Content-Length'] = payload.length;
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : payload);
    },
  };
}

async function build(file: string, headTags: string): Promise<Variant> {
  const html = await readFile(file, 'utf8');
  const identity = Buffer.from(injectHead(html, headTags));
  const [br, gzipped] = await Promise.all([
    brotli(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
    gz(identity, { level: 9 }),
  ]);
  const etag = `"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`;
  return { identity, br, gzip: gzipped, etag };
}

/** Puts `tags` at the start of `<head>` so they exist before any page script runs. */
export function injectHead(html: string, tags: string): string {
  if (!tags) return html;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + tags + html.slice(head.index + head[0].length);
  return tags + html;
}

/** Picks br, then gzip, honouring `q=0` refusals; undefined means send it uncompressed. */
export function negotiate(header: string | string[] | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Set<string>();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

function listHtml(root: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...listHtml(root, rel));
    else if (entry.isFile() && entry.name.endsWith('.html')) found.push(rel);
  }
  return found;
}
