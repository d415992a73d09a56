import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));
const GRACE_MS = 10_000;

server.listen(config.port, () => log('listening', { port: config.port }));

function shutdown(signal) {
  log('shutting down', { signal });
  const deadline = setTimeout(() => {
    log('drain took too long, exiting anyway');
    process.exit(1);
  }, GRACE_MS);
  // An unref'd timer does not keep the process alive by itself.
  deadline.unref();
  server.close(async () => {
    await redis.quit();
    log('bye');
    process.exit(0);
  });
  server.closeIdleConnections();
}

process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
