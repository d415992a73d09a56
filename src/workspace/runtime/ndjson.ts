/**
 * Streamed checker output: lines out of chunks (tolerating chunks that split lines and terminals that add
 * `\r`), and the error for a run that ended without a verdict. Lines become events through the one
 * parser, `parseCheckEvent` in src/lab-model/check-events.ts.
 */

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

/** The error a runtime throws when the checker ended without a `done` event (crashed, killed, bad output). */
export function missingVerdict(exitCode: number | null, lastOutput: string): Error {
  const tail = lastOutput.trim().split('\n').slice(-5).join('\n');
  return new Error(
    `The checker ended (${exitCode === null ? 'killed' : `exit code ${exitCode}`}) without a verdict.${tail ? ` Its last output:\n${tail}` : ''}`,
  );
}
