import { config } from './config.js';
import { server } from './server.js';

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 'info', msg, ...fields }));

server.listen(config.port, () => log('listening', { port: config.port }));
