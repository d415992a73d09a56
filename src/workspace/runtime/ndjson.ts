/** Turns streamed checker output into protocol events, tolerating chunks that split lines and terminals that add `\r`. */
import type { CheckEvent } from './types.ts';

const TYPES = new Set(['plan', 'log', 'result', 'done']);

/** Feeds text chunks in, calls `onLine` for each complete line (without its line ending). */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let buffer = '';
  return {
    push(chunk) {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        onLine(buffer.slice(0, newline).replace(/\r+$/, ''));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    },
    end() {
      if (buffer.trim() !== '') onLine(buffer.replace(/\r+$/, ''));
      buffer = '';
    },
  };
}

// Pseudo-terminals (WebContainer) may wrap output in colour or cursor sequences; the JSON itself never has any.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

/** Parses one line of checker output; `null` for anything that is not a version-1 protocol event. */
export function parseCheckEvent(line: string): CheckEvent | null {
  const text = line.replace(ANSI, '').trim();
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const event = value as { v?: unknown; type?: unknown };
  if (event.v !== 1 || typeof event.type !== 'string' || !TYPES.has(event.type)) return null;
  return value as CheckEvent;
}

/** The error a runtime throws when the checker ended without a `done` event (crashed, killed, bad output). */
export function missingVerdict(exitCode: number | null, lastOutput: string): Error {
  const tail = lastOutput.trim().split('\n').slice(-5).join('\n');
  return new Error(
    `The checker ended (${exitCode === null ? 'killed' : `exit code ${exitCode}`}) without a verdict.${tail ? ` Its last output:\n${tail}` : ''}`,
  );
}
