import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

server.listen(config.port, () => log('listening', { port: config.port }));

// The platform stops a process with SIGTERM (a deploy, a scale-down); Ctrl-C in a terminal sends SIGINT.
// Either way: stop taking new connections, let requests in flight finish, close Redis, then exit cleanly.
function shutdown(signal) {
  log('shutting down', { signal });
  server.close(async () => {
    await redis?.quit(); // development has no Redis to close
    log('bye');
    process.exit(0);
  });
  // Close keep-alive connections that sit idle now, not when they time out (Node 19+ does this in close() too).
  server.closeIdleConnections();
}

process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
