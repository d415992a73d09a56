import { config } from './config.js';
import { redis } from './counter.js';
import { log } from './logger.js';
import { server } from './server.js';

server.listen(config.port, () => {
  // The only thing the console ever shows; everything else goes to the log file.
  console.log(`Visitor counter on http://localhost:${config.port} (log: logs/app.log)`);
  log('info', `listening on port ${config.port}`);
});

// The platform stops a process with SIGTERM (a deploy, a scale-down); Ctrl-C in a terminal sends SIGINT.
// Either way: stop taking new connections, let requests in flight finish, close Redis, then exit cleanly.
function shutdown(signal) {
  log('info', `shutting down (${signal})`);
  server.close(async () => {
    await redis.quit();
    log('info', 'bye');
    process.exit(0);
  });
  // Close keep-alive connections that sit idle now, not when they time out (Node 19+ does this in close() too).
  server.closeIdleConnections();
}

process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
