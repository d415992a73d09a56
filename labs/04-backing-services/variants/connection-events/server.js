import { createServer } from 'node:http';
import { config } from './config.js';
import { countVisit, isAttached } from './counter.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

const UNAVAILABLE = { error: 'redis_unavailable', message: 'The visit counter cannot reach its Redis right now; try again shortly.' };

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === '/') {
    if (!isAttached()) return json(res, 503, UNAVAILABLE);
    const count = await countVisit().catch(() => undefined);
    if (count === undefined) return json(res, 503, UNAVAILABLE);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${config.greeting}! You are visitor number ${count}.\n`);
  } else if (url.pathname === '/health') {
    json(res, isAttached() ? 200 : 503, { redis: isAttached() ? 'up' : 'down' });
  } else if (url.pathname === '/slow') {
    await sleep(Math.min(Number(url.searchParams.get('ms') ?? 2000), 10_000));
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('slow work done\n');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
}

export const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(JSON.stringify({ level: 'error', msg: 'request failed', path: req.url, error: error.message }));
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('something went wrong\n');
  });
});
