import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

server.listen(config.port, () => log('listening', { port: config.port }));

// With the server closed and Redis gone, the event loop is empty and Node exits on its own, with code 0.
process.once('SIGTERM', () => {
  log('shutting down');
  server.close(() => redis.quit().then(() => log('bye')));
});
