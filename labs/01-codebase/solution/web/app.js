import { createServer } from 'node:http';
import { config } from './config.js';
import { createCounter } from 'visit-counter';

const counter = createCounter(config.redisUrl);
const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  try {
    if (pathname === '/') {
      const count = await counter.countVisit();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Hello from ${config.deployName}! You are visitor number ${count}.\n`);
    } else if (pathname === '/health') {
      res.end('ok\n');
    } else {
      res.writeHead(404).end('not found\n');
    }
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'request failed', error: error.message }));
    res.writeHead(500).end('something went wrong\n');
  }
});

server.listen(config.port, () => log('listening', { port: config.port, deploy: config.deployName }));

// A deploy or a scale-down stops the process with SIGTERM; Ctrl-C sends SIGINT. Finish, close Redis, exit.
function shutdown() {
  server.close(async () => {
    await counter.close();
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
