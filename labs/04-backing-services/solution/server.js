import { createServer } from 'node:http';
import { config } from './config.js';
import { countVisit, redisIsUp } from './counter.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === '/') {
    let count;
    try {
      count = await countVisit();
    } catch (error) {
      // Redis is down or unreachable. That is not a bug in this request: say so plainly, with 503 so
      // load balancers and clients know to try again, and keep serving. The client reconnects by itself.
      console.error(JSON.stringify({ level: 'error', msg: 'cannot count the visit', error: error.message }));
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end('The visit counter is unavailable: its Redis cannot be reached. Try again in a few seconds.\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${config.greeting}! You are visitor number ${count}.\n`);
  } else if (url.pathname === '/health') {
    // Healthy means able to do the job: the Redis this deploy is attached to answers.
    const up = await redisIsUp();
    res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(up ? 'ok\n' : 'unhealthy: Redis cannot be reached\n');
  } else if (url.pathname === '/slow') {
    // Stands in for a slow report or upload, so you can watch what a shutdown does to it.
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
