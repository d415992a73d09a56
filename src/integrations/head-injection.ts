/**
 * Puts tags into the `<head>` of an HTML response that someone else writes (the Astro dev server), by
 * wrapping the response's writeHead/write/end. Only the bytes up to the `<head>` tag are held back; the rest
 * streams through untouched, so a page renders as progressively as it would without us. Responses that are
 * not HTML, or are already compressed, pass through as they are.
 */
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { injectHead } from '../server/html-pages.ts';

/** `<head>` or `<head attr…>`, but not `<header>`. */
const HEAD_TAG = /<head(\s[^>]*)?>/i;
/** A page whose first bytes hold no `<head>` is not one we know how to inject into; stop holding it back. */
const MAX_HELD_BYTES = 256 * 1024;

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

function toBuffer(chunk: Chunk, encoding: BufferEncoding | undefined): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Headers handed to writeHead become ordinary set headers, so the decision below sees them all. */
function applyHeaders(res: ServerResponse, headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined): void {
  if (!headers) return;
  if (!Array.isArray(headers)) {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
    return;
  }
  // Raw form: [name, value, name, value, …] or [[name, value], …].
  const flat = (headers as unknown[]).flat() as string[];
  for (let i = 0; i + 1 < flat.length; i += 2) res.appendHeader(String(flat[i]), String(flat[i + 1]));
}

export function injectIntoHtml(res: ServerResponse, tags: string): void {
  if (!tags) return;
  const writeHead = res.writeHead.bind(res) as (status: number, reason?: string) => ServerResponse;
  const write = res.write.bind(res) as (chunk: Chunk, callback?: Callback) => boolean;
  const end = res.end.bind(res) as (chunk?: Chunk, callback?: () => void) => ServerResponse;
  let mode: 'undecided' | 'seeking' | 'passing' = 'undecided';
  let held: Buffer[] = [];
  let heldBytes = 0;

  const decide = (): void => {
    if (mode !== 'undecided') return;
    const type = String(res.getHeader('content-type') ?? '');
    if (/^text\/html\b/i.test(type) && !res.getHeader('content-encoding')) {
      mode = 'seeking';
      // The body grows by the tags; without a length Node sends it chunked.
      res.removeHeader('content-length');
    } else {
      mode = 'passing';
    }
  };

  /** The held bytes, with the tags in place when `final` or once the `<head>` tag is complete. */
  const release = (final: boolean): Buffer | undefined => {
    const bytes = Buffer.concat(held);
    // latin1 maps bytes to characters one to one, so a multi-byte character split across chunks survives.
    const text = bytes.toString('latin1');
    if (!final && !HEAD_TAG.test(text) && heldBytes < MAX_HELD_BYTES) return undefined;
    held = [];
    mode = 'passing';
    return HEAD_TAG.test(text) || final ? Buffer.from(injectHead(text, tags), 'latin1') : bytes;
  };

  res.writeHead = function (status: number, ...rest: unknown[]): ServerResponse {
    const reason = typeof rest[0] === 'string' ? rest[0] : undefined;
    applyHeaders(res, (reason === undefined ? rest[0] : rest[1]) as OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined);
    decide();
    return reason === undefined ? writeHead(status) : writeHead(status, reason);
  } as ServerResponse['writeHead'];

  res.write = function (chunk: Chunk, ...rest: unknown[]): boolean {
    decide();
    const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined;
    const callback = rest.find((arg): arg is Callback => typeof arg === 'function');
    if (mode === 'passing') return callback ? write(toBuffer(chunk, encoding), callback) : write(toBuffer(chunk, encoding));
    const bytes = toBuffer(chunk, encoding);
    held.push(bytes);
    heldBytes += bytes.length;
    const ready = release(false);
    if (ready) return callback ? write(ready, callback) : write(ready);
    if (callback) process.nextTick(callback);
    return true;
  } as ServerResponse['write'];

  res.end = function (...args: unknown[]): ServerResponse {
    decide();
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    const chunk = typeof args[0] === 'function' ? undefined : (args[0] as Chunk | undefined);
    const encoding = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined;
    if (mode === 'passing') {
      const last = chunk === undefined ? undefined : toBuffer(chunk, encoding);
      return callback ? end(last, callback) : end(last);
    }
    if (chunk !== undefined) held.push(toBuffer(chunk, encoding));
    // An empty body (a HEAD request, a 304) has no page to inject into.
    const body = held.some((part) => part.length > 0) ? release(true) : undefined;
    return callback ? end(body, callback) : end(body);
  } as ServerResponse['end'];
}
