import { config } from './config.js';
import { redis } from './counter.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

// Every open connection, and whether it is in the middle of a request.
const connections = new Map();
let stopping = false;

server.on('connection', (socket) => {
  connections.set(socket, { busy: false });
  socket.on('close', () => connections.delete(socket));
});
server.on('request', (req, res) => {
  const state = connections.get(req.socket);
  if (state) state.busy = true;
  res.on('finish', () => {
    if (state) state.busy = false;
    // While stopping, a connection whose response is sent has nothing more to do.
    if (stopping) req.socket.end();
  });
});

server.listen(config.port, () => log('listening', { port: config.port }));

process.once('SIGTERM', () => {
  stopping = true;
  log('shutting down');
  // 'close' fires once the server stops listening and the last connection has ended.
  server.once('close', async () => {
    await redis.quit();
    log('bye');
    process.exit(0);
  });
  server.close();
  for (const [socket, state] of connections) if (!state.busy) socket.end();
});
