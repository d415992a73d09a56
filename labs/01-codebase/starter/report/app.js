import { createServer } from 'node:http';
// Saves writing the settings twice: report runs next to web, so it borrows web's.
import { config } from '../web/config.js';
import { createCounter } from './counter.js';

const counter = createCounter(config.redisUrl);

const server = createServer(async (req, res) => {
  try {
    const count = await counter.readCount();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Visitors so far: ${count}\n`);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'request failed', error: error.message }));
    res.writeHead(500).end('something went wrong\n');
  }
});

server.listen(config.port, () => console.log(JSON.stringify({ level: 'info', msg: 'listening', port: config.port })));

function shutdown() {
  server.close(async () => {
    await counter.close();
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
