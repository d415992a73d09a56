import { config } from './config.js';
import { redis } from './counter.js';
import { log } from './logger.js';
import { server } from './server.js';

server.listen(config.port, () => {
  // The only thing the console ever shows; everything else goes to the log file.
  console.log(`Visitor counter on http://localhost:${config.port} (log: logs/app.log)`);
  log('info', `listening on port ${config.port}`);
});

// The platform stops a process with SIGTERM (a deploy, a scale-down, Ctrl-C in a container).
// Stop taking new connections, let requests in flight finish, close Redis, then exit cleanly.
process.once('SIGTERM', () => {
  log('info', 'shutting down');
  server.close(async () => {
    await redis.quit();
    log('info', 'bye');
    process.exit(0);
  });
  // Idle keep-alive connections would otherwise hold server.close() open.
  server.closeIdleConnections();
});
