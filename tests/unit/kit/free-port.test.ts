// The ports the kit gives apps: free on every interface, random, and outside the range the system takes
// outgoing connections' ports from, so a connection opened meanwhile cannot take an app's port.
import { describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { FREE_PORT_RANGE, freePort } from '../../../labs/_kit/util.mjs';

const listen = (port: number, host?: string) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, ...(host ? { host } : {}) }, () => resolve(server));
  });

describe('freePort', () => {
  it('gives different ports below the outgoing-connection range, each one an app can listen on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(FREE_PORT_RANGE[0]);
      expect(port).toBeLessThanOrEqual(FREE_PORT_RANGE[1]);
    }
    expect(FREE_PORT_RANGE[1]).toBeLessThan(32768);
    expect(new Set(ports).size).toBeGreaterThan(15);
    const server = await listen(ports[0]!);
    server.close();
  });

  it('never gives a port something already listens on, on loopback or on every interface', async () => {
    const held: Server[] = [];
    try {
      // Hold a slice of the range (about 1 draw in 40 lands in it) and ask 200 times: none may come back.
      const taken = new Set<number>();
      for (let port = FREE_PORT_RANGE[0]; port < FREE_PORT_RANGE[0] + 300; port++) {
        try {
          held.push(await listen(port, port % 2 ? '127.0.0.1' : undefined));
          taken.add(port);
        } catch {
          // in use by something else already: just as good
          taken.add(port);
        }
      }
      const given = await Promise.all(Array.from({ length: 200 }, () => freePort()));
      for (const port of given) expect(taken.has(port)).toBe(false);
    } finally {
      for (const server of held) server.close();
    }
  });
});
