import { createServer } from 'node:http';
import { connect } from 'node:net';
import { config } from './config.js';
import { countVisit } from './counter.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Redis runs on this machine: if something accepts connections on its port, we are healthy. */
function localRedisIsUp() {
  return new Promise((resolve) => {
    const socket = connect(6379, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === '/') {
    const count = await countVisit();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${config.greeting}! You are visitor number ${count}.\n`);
  } else if (url.pathname === '/health') {
    const up = await localRedisIsUp();
    res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(up ? 'ok\n' : 'redis is down\n');
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
