import { request as httpRequest } from 'node:http';

/**
 * One HTTP request to the app. Never throws for HTTP statuses; network failures resolve with `error`
 * (e.g. `ECONNREFUSED`) so checks can reason about them.
 * @param {number} port
 * @param {string} [path]
 * @param {{ method?: string | undefined, headers?: Record<string, string> | undefined, body?: string | undefined, timeout?: number | undefined, host?: string | undefined }} [options]
 * @returns {Promise<import('./index.d.ts').Response>}
 */
export function request(port, path = '/', { method = 'GET', headers = {}, body, timeout = 5000, host = '127.0.0.1' } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest({ host, port, path, method, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers, ms: performance.now() - started }));
      res.on('error', (error) => resolve({ body, headers: res.headers, error: error.code ?? error.message, ms: performance.now() - started }));
    });
    req.setTimeout(timeout, () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', (error) => resolve({ body: '', headers: {}, error: error.code ?? error.message, ms: performance.now() - started }));
    req.end(body);
  });
}

/** Describes a response for a message: `200 "Hello! …"`, or the network error. */
export function describe(response) {
  if (response.error === 'ECONNRESET') return 'a cut connection (ECONNRESET)';
  if (response.error === 'ECONNREFUSED') return 'a refused connection (ECONNREFUSED)';
  if (response.error) return `no answer (${response.error})`;
  const body = response.body.trim();
  return `${response.status} ${JSON.stringify(body.length > 120 ? `${body.slice(0, 117)}…` : body)}`;
}
