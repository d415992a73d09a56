// The application server this visitor counter was written for. It is not part of the app: on the old
// machines an operations team installed it, set its port in its own configuration, and loaded each app
// into it. You do not need to change this file; the goal of the lab is an app that no longer needs it.
import { createServer } from 'node:http';
import handler, { close } from './app.js';

const PORT = 8080; // the host's own setting, not the app's: every app it serves shares this port
const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

const server = createServer(handler);

// The host assumes it owns the machine: when the port is busy it waits and tries again, forever.
server.on('error', (error) => {
  if (error.code !== 'EADDRINUSE') throw error;
  log('port busy, will retry', { port: PORT });
  setTimeout(() => {
    server.close();
    server.listen(PORT);
  }, 1000);
});

server.listen(PORT);
log('listening', { port: PORT });

function shutdown() {
  server.close(async () => {
    await close();
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
