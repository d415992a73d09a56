/** Small HTTP helpers for the runner's JSON routes: errors with a status, capped bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error the client caused or must act on; its message is sent as `{ error }`. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

const NO_STORE = { 'Cache-Control': 'no-store' };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...NO_STORE, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message });
}

export function noContent(res: ServerResponse): void {
  res.writeHead(204, NO_STORE);
  res.end();
}

/** Reads the whole body as UTF-8, refusing (413) more than `limit` bytes without buffering them. */
export async function readText(req: IncomingMessage, limit: number, what: string): Promise<string> {
  const tooLarge = (): HttpError =>
    new HttpError(413, `${what} is larger than the limit of ${Math.round(limit / 1024)} KiB; make it smaller.`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  // Event-based rather than `for await`: leaving that loop early destroys the socket before the 413 is sent.
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return text.decode(bytes);
  } catch {
    throw new HttpError(400, `${what} is not valid UTF-8 text.`);
  }
}

export async function readJson(req: IncomingMessage, limit: number, what: string): Promise<unknown> {
  const text = await readText(req, limit, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `${what} is not valid JSON (${(error as Error).message}).`);
  }
}
