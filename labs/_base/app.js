import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

server.listen(config.port, () => log('listening', { port: config.port }));

// The platform stops a process with SIGTERM (a deploy, a scale-down, Ctrl-C in a container).
// Stop taking new connections, let requests in flight finish, close Redis, then exit cleanly.
process.once('SIGTERM', () => {
  log('shutting down');
  server.close(async () => {
    await redis.quit();
    log('bye');
    process.exit(0);
  });
  // Idle keep-alive connections would otherwise hold server.close() open.
  server.closeIdleConnections();
});
