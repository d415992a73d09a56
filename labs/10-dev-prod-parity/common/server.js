import { createServer } from 'node:http';
import { config } from './config.js';
import { countVisit } from './counter.js';

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === '/') {
    const { count, recent } = await countVisit();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${config.greeting}! You are visitor number ${count}. Visits in this ${config.windowSeconds}-second window: ${recent}.\n`);
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
