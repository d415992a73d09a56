import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

// The app serves itself: no application server around it, just the port it is given.
server.listen(config.port, () => {
  // Report the port actually bound, not the one asked for: with PORT=0 the system picks it.
  const { port } = server.address();
  log('listening', { port, url: `http://localhost:${port}/` });
});

// Another process holds the port (or it is not ours to take): say which port, and stop at once, so the
// platform sees a failed start instead of an app that looks alive and serves nothing.
server.on('error', (error) => {
  console.error(JSON.stringify({ level: 'error', msg: 'cannot listen', port: config.port, error: error.message }));
  process.exit(1);
});

// The platform stops a process with SIGTERM (a deploy, a scale-down); Ctrl-C in a terminal sends SIGINT.
// Either way: stop taking new connections, let requests in flight finish, close Redis, then exit cleanly.
function shutdown(signal) {
  log('shutting down', { signal });
  server.close(async () => {
    await redis.quit();
    log('bye');
    process.exit(0);
  });
  // Close keep-alive connections that sit idle now, not when they time out (Node 19+ does this in close() too).
  server.closeIdleConnections();
}

process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
