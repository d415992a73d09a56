import { createServer } from 'node:http';
import { createCounter } from 'visit-counter';

// report is an app of its own, so it reads its own settings rather than reaching into web's folder.
const port = Number(process.env.PORT || 3000);
if (!process.env.REDIS_URL) {
  console.error('Missing required environment variable REDIS_URL: set it before starting the app.');
  process.exit(1);
}
const counter = createCounter(process.env.REDIS_URL);

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

server.listen(port, () => console.log(JSON.stringify({ level: 'info', msg: 'listening', port })));

function shutdown() {
  server.close(async () => {
    await counter.close();
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
