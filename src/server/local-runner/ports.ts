/**
 * Default app ports per lab session. Labs suggest a port (3000) that every session would otherwise
 * share, so two tabs — or two Run presses racing — would collide on it. Each live session gets its
 * own block (3000–3009, 3010–3019, …): the first session keeps the port the chapter talks about, and
 * `--instances N` runs stay inside their block. The launcher still moves to a free port when another
 * program holds the one it was given.
 */
export const PORT_BLOCK = 10;

export class PortBlocks {
  readonly #base: number;
  readonly #taken = new Map<string, number>();

  constructor(base = 3000) {
    this.#base = base;
  }

  /** The lowest block no live session holds. */
  allocate(session: string): number {
    const held = new Set(this.#taken.values());
    let port = this.#base;
    while (held.has(port)) port += PORT_BLOCK;
    this.#taken.set(session, port);
    return port;
  }

  release(session: string): void {
    this.#taken.delete(session);
  }
}
