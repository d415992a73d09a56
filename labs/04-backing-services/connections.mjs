// The checker's side of connection-log.mjs: a log file per app run, the environment that loads the
// recorder into the app, and the connections read back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RECORDER = new URL('./connection-log.mjs', import.meta.url);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1', '0.0.0.0', '']);

let dir;
function scratch() {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'lab04-connections-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}
let runs = 0;

/** A recorder for one app run: `env` to add to the app's environment, `read()` what it saw so far. */
export function connectionRecorder() {
  const file = join(scratch(), `run-${++runs}.ndjson`);
  const flag = `--import=${RECORDER.href}`;
  return {
    env: { LAB_CONNECTION_LOG: file, NODE_OPTIONS: [process.env.NODE_OPTIONS, flag].filter(Boolean).join(' ') },
    /** @returns {{ loaded: boolean, connections: { host?: string, port?: number, path?: string, at: number }[] }} */
    read() {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {}
      const records = text.split('\n').filter(Boolean).flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return [];
        }
      });
      return { loaded: records.some((r) => r.loaded), connections: records.filter((r) => !r.loaded) };
    },
  };
}

/** Whether a recorded connection went to the given loopback port. */
export const reaches = (connection, port) => connection.port === port && LOOPBACK.has(String(connection.host ?? '').replace(/^\[|\]$/g, ''));

/** `127.0.0.1:6379`, `localhost:6379` or a socket path, for messages. */
export const addressOf = (c) => (c.path ? `the socket ${c.path}` : `${String(c.host).includes(':') ? `[${c.host}]` : c.host}:${c.port}`);
