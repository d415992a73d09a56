import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

let inFlight = 0;
let stopping = false;

async function finish() {
  await redis.quit();
  log('bye');
  process.exit(0);
}

server.on('request', (req, res) => {
  inFlight += 1;
  res.on('close', () => {
    inFlight -= 1;
    if (stopping && inFlight === 0) finish();
  });
});

server.listen(config.port, () => log('listening', { port: config.port }));

process.once('SIGTERM', () => {
  stopping = true;
  log('shutting down', { inFlight });
  server.close(); // no new connections from now on
  server.closeIdleConnections();
  if (inFlight === 0) finish(); // nothing to wait for
});
