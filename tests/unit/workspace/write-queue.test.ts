import { describe, expect, it } from 'vitest';
import { createWriteQueue } from '../../../src/workspace/runtime/write-queue.ts';
import { lineSplitter } from '../../../src/workspace/runtime/ndjson.ts';
import { parseCheckEvent } from '../../../src/lab-model/check-events.ts';

describe('the write queue', () => {
  it('collapses rapid edits to one file and flushes the latest text', async () => {
    const writes: string[] = [];
    let release!: () => void;
    const queue = createWriteQueue(
      async (path, content) => {
        writes.push(`${path}:${content}`);
        if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      () => undefined,
      1,
    );
    queue.schedule('app.js', 'a');
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const text of ['ab', 'abc', 'abcd']) queue.schedule('app.js', text);
    queue.schedule('.env', 'X=1');
    const flushed = queue.flush();
    release();
    await flushed;
    expect(writes).toEqual(['app.js:a', 'app.js:abcd', '.env:X=1']);
  });

  it('reports a failed write and goes on with the others', async () => {
    const failed: string[] = [];
    const done: string[] = [];
    const queue = createWriteQueue(
      async (path) => {
        if (path === 'bad') throw new Error('refused');
        done.push(path);
      },
      (path, error) => failed.push(`${path}: ${(error as Error).message}`),
    );
    queue.schedule('bad', '');
    queue.schedule('good', '');
    await queue.flush();
    expect(failed).toEqual(['bad: refused']);
    expect(done).toEqual(['good']);
  });
});

describe('checker output parsing', () => {
  it('reassembles lines split across chunks and strips terminal line endings', () => {
    const lines: string[] = [];
    const split = lineSplitter((line) => lines.push(line));
    split.push('{"v":1,"type":"pl');
    split.push('an","lab":"x","checks":[]}\r\n{"v":1,');
    split.push('"type":"done","status":"pass","passed":0,"failed":0,"errored":0}');
    split.end();
    expect(lines.map((line) => parseCheckEvent(line)?.type)).toEqual(['plan', 'done']);
  });
});
