import { describe, expect, it } from 'vitest';
import { PORT_BLOCK, PortBlocks } from '../../../src/server/local-runner/ports.ts';

describe('default ports per lab session', () => {
  it('gives the first session the lab’s own port, later ones the next free block, and reuses released blocks', () => {
    const ports = new PortBlocks(3000);
    expect(ports.allocate('a')).toBe(3000);
    expect(ports.allocate('b')).toBe(3000 + PORT_BLOCK);
    expect(ports.allocate('c')).toBe(3000 + 2 * PORT_BLOCK);
    ports.release('b');
    expect(ports.allocate('d')).toBe(3000 + PORT_BLOCK);
    ports.release('a');
    ports.release('a');
    expect(ports.allocate('e')).toBe(3000);
  });
});
