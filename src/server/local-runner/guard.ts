/**
 * Who may drive the runner: only pages this server served, in a browser that reached it by one of its
 * own names. Three checks, each defeating a different attack:
 *  - Host: DNS rebinding (another site's name pointed at 127.0.0.1).
 *  - Origin: a cross-site page posting to localhost.
 *  - Token: anything that never saw one of our pages (other local programs' web pages, blind requests).
 */
import type { IncomingMessage } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_HEADER, TOKEN_META } from '../../workspace/runtime/local/protocol.ts';
import type { HostGuard } from '../hosts.ts';
import { HttpError } from './http.ts';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The tag written into every page, read by the browser's local adapter. */
export function tokenMetaTag(token: string): string {
  return `<meta name="${TOKEN_META}" content="${token}">`;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Throws HttpError(403) unless the request passes all three checks. `queryToken` allows `?token=` (only
 * for the events stream and the unload beacon, which the browser sends without custom headers).
 */
export function assertAllowed(req: IncomingMessage, options: { token: string; hosts: HostGuard; queryToken: boolean }): void {
  const host = req.headers.host;
  if (!options.hosts.allows(host)) {
    throw new HttpError(403, `This lab runner does not answer to the host "${host ?? ''}"; open the course at the address \`npm start\` printed.`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== options.hosts.originOf(host as string)) {
    throw new HttpError(403, `Requests from ${origin} may not use this lab runner; only the course's own pages may.`);
  }
  let given = req.headers[TOKEN_HEADER];
  if (given === undefined && options.queryToken) {
    given = new URL(req.url ?? '/', 'http://runner').searchParams.get('token') ?? undefined;
  }
  if (typeof given !== 'string' || !sameSecret(given, options.token)) {
    throw new HttpError(403, `Missing or wrong ${TOKEN_HEADER}: reload the page to get the token of the running server (it changes on every restart).`);
  }
}
