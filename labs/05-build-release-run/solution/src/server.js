import { createServer } from 'node:http';
import { config } from './config.js';
import { countVisit } from './counter.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === '/') {
    const count = await countVisit();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${config.greeting}! You are visitor number ${count}.\n`);
  } else if (url.pathname === '/version') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ release: config.release, build: config.build })}\n`);
  } else if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  } else if (url.pathname === '/slow') {
    // Stands in for a slow report or upload that records itself in Redis once its work is done, so you can
    // watch what a shutdown does to it: the request needs Redis right up to its last moment.
    await sleep(Math.min(Number(url.searchParams.get('ms') ?? 2000), 30_000));
    const count = await countVisit();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`slow work done for visitor number ${count}\n`);
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
