/**
 * One session's stream of RunnerEvents as server-sent events. Recent events are kept (up to a byte
 * budget) so a page that connects late, or an EventSource that reconnects with `Last-Event-ID`, misses
 * nothing that is still in the buffer.
 *
 * A client that does not read (a stalled tab, a script that opens the stream and never reads) would make
 * Node queue every event for it without bound. Once more than `maxBacklogBytes` wait for one client, its
 * stream is cut and its queue freed; a real EventSource reconnects by itself, sending `Last-Event-ID`,
 * and is replayed what it missed from the buffer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunnerEvent } from '../../workspace/runtime/local/protocol.ts';

const HEARTBEAT_MS = 15_000;

export class EventHub {
  readonly #maxBufferBytes: number;
  readonly #buffer: { id: number; frame: string }[] = [];
  #bufferBytes = 0;
  #nextId = 1;
  readonly #maxBacklogBytes: number;
  readonly #clients = new Set<ServerResponse>();
  #dropped = 0;

  constructor(options: { maxBufferBytes?: number; maxBacklogBytes?: number } = {}) {
    this.#maxBufferBytes = options.maxBufferBytes ?? 1024 * 1024;
    // At least twice the replay buffer: a page that reconnects is replayed up to a whole buffer at once,
    // before it can read, and must not be cut for that (it would reconnect forever).
    this.#maxBacklogBytes = Math.max(options.maxBacklogBytes ?? 0, 2 * this.#maxBufferBytes);
  }

  /** Streams cut so far because their client stopped reading (for tests and diagnostics). */
  get dropped(): number {
    return this.#dropped;
  }

  #send(client: ServerResponse, frame: string): void {
    client.write(frame);
    if (client.writableLength > this.#maxBacklogBytes) {
      this.#dropped++;
      this.#clients.delete(client);
      client.destroy();
    }
  }

  /** Pages currently listening. */
  get connected(): number {
    return this.#clients.size;
  }

  publish(event: RunnerEvent): void {
    const id = this.#nextId++;
    const frame = `id: ${id}\ndata: ${JSON.stringify(event)}\n\n`;
    this.#buffer.push({ id, frame });
    this.#bufferBytes += frame.length;
    while (this.#bufferBytes > this.#maxBufferBytes && this.#buffer.length > 1) {
      this.#bufferBytes -= (this.#buffer.shift() as { frame: string }).frame.length;
    }
    for (const client of this.#clients) this.#send(client, frame);
  }

  /** Turns `res` into an event stream: replays what the client has not seen, then follows live. */
  attach(req: IncomingMessage, res: ServerResponse, onDetach: () => void): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // Reverse proxies must not hold events back in a buffer.
      'X-Accel-Buffering': 'no',
    });
    const lastSeen = Number(req.headers['last-event-id'] ?? 0) || 0;
    res.write('retry: 1000\n\n');
    this.#clients.add(res);
    for (const { id, frame } of this.#buffer) if (id > lastSeen && this.#clients.has(res)) this.#send(res, frame);
    const heartbeat = setInterval(() => this.#clients.has(res) && this.#send(res, ': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.once('close', () => {
      clearInterval(heartbeat);
      this.#clients.delete(res);
      onDetach();
    });
  }

  /** Ends every stream (session deleted, server shutting down). */
  closeAll(): void {
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }
}
