import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { config } from './config.js';
import { countVisit } from './counter.js';

// Recognise a returning visitor by a cookie that holds a random id.
function visitorId(req, res) {
  const known = /(?:^|;\s*)visitor=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (known) return known;
  const id = randomUUID();
  res.setHeader('set-cookie', `visitor=${id}; Path=/; HttpOnly; SameSite=Lax`);
  return id;
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === '/') {
    const { total, yours } = await countVisit(visitorId(req, res));
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${config.greeting}! Visits so far: ${total} (${yours} of them yours).\n`);
  } else if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
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
