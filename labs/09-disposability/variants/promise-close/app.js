import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

server.listen(config.port, () => log('listening', { port: config.port }));

// Resolves once every connection has ended, i.e. every request in flight has been answered.
const closeServer = () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));

let stopping = false;

async function shutdown(signal) {
  if (stopping) return; // a second signal while draining changes nothing
  stopping = true;
  log('shutting down', { signal });
  try {
    const closed = closeServer();
    server.closeIdleConnections();
    await closed;
    await redis.quit();
    log('bye');
    process.exit(0);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'shutdown failed', error: error.message }));
    process.exit(1);
  }
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
