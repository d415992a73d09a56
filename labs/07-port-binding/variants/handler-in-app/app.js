import { createServer } from 'node:http';
import { redis } from './counter.js';
import { handler } from './server.js';

const port = Number(process.env.PORT ?? 3000);
const server = createServer(handler);

server.on('error', (error) => {
  console.error(`Could not listen on port ${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, () => console.log(`Listening on port ${server.address().port}`));

process.once('SIGTERM', () => server.close(() => redis.quit().then(() => process.exit(0))));
