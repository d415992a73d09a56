import { createServer } from 'node:http';
import { config } from './config.js';
import { countVisit, redis } from './counter.js';

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === '/') {
    const count = await countVisit();
    // The note is a job for a worker process: queue it in Redis and answer now. A job in Redis outlives
    // this process, and any worker can take it.
    await redis.rpush('thanks:queue', count);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${config.greeting}! You are visitor number ${count}. A thank-you note is on its way.\n`);
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
