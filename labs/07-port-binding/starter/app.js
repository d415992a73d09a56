// The visitor counter, written as a module for an application server (host.js): it exports a request
// handler, and the host decides where and how it is served. On its own, this file does nothing.
import { redis } from './counter.js';
import { handler } from './server.js';

export default handler;

/** The host calls this when it shuts down. */
export const close = () => redis.quit();
