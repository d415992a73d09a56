import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startRedisServer } from '../../../labs/_kit/redis-server.mjs';
import { startWatcher } from '../../../labs/_kit/watcher.mjs';

let server: { url: string; port: number; close(): Promise<void> };

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server.close());

const open = () => startWatcher({ host: '127.0.0.1', port: server.port, urlFor: (p: number) => `redis://127.0.0.1:${p}/0` });
const settled = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

describe('the watcher holding replies back (a slow Redis)', () => {
  it('gives each reply after hold() no sooner than the hold, in order, and answers every command', async () => {
    const watcher = await open();
    const client = new Redis(watcher.url);
    try {
      expect(await client.ping()).toBe('PONG');
      watcher.hold({ min: 120, max: 160 });
      const started = performance.now();
      const replies = await Promise.all([client.incr('n'), client.incr('n'), client.get('n')]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
      expect(replies).toEqual([1, 2, '2']);
      expect(watcher.commands().filter((c) => c.name !== 'INFO').every((c) => c.answeredAt !== undefined)).toBe(true);
    } finally {
      client.disconnect();
      await watcher.close();
    }
  });

  it('counts a command as unanswered when the app closes before its held reply came', async () => {
    const watcher = await open();
    const client = new Redis(watcher.url);
    try {
      await client.ping();
      watcher.hold({ min: 300, max: 300 });
      void client.set('last-shutdown', 'now').catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 30));
      client.disconnect();
      const [conn] = watcher.connections;
      expect(await settled(() => conn?.closedAt !== undefined)).toBe(true);
      expect(conn?.unanswered).toBe(1);
      expect(conn?.commands.find((c) => c.name === 'SET')?.answeredAt).toBeUndefined();
      // The write itself reached Redis: it is the app that never learned so.
      const direct = new Redis(server.url);
      expect(await direct.get('last-shutdown')).toBe('now');
      direct.disconnect();
    } finally {
      await watcher.close();
    }
  });

  it('still gives QUIT its held reply before passing on Redis closing the connection', async () => {
    const watcher = await open();
    const client = new Redis(watcher.url);
    try {
      await client.ping();
      watcher.hold({ min: 100, max: 150 });
      expect(await client.quit()).toBe('OK');
      const [conn] = watcher.connections;
      expect(await settled(() => conn?.closedAt !== undefined)).toBe(true);
      expect(conn).toMatchObject({ quit: true, unanswered: 0, closedCleanly: true });
    } finally {
      await watcher.close();
    }
  });

  it('refuses a range that is not one', async () => {
    const watcher = await open();
    try {
      expect(() => watcher.hold({ min: 200, max: 100 })).toThrow(/0 <= min <= max/);
    } finally {
      await watcher.close();
    }
  });
});
