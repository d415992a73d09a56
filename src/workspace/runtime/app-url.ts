/**
 * Spots the address of the learner's running app in its output. The lab launcher (labs/_kit/launcher.mjs)
 * announces it on a line of its own once the port accepts connections, e.g.
 * `[lab] The visitor counter answers at http://localhost:3000/`; only such `[lab]` lines count, so an app
 * that merely logs a URL, or the Redis address, is never mistaken for it.
 */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const ANNOUNCEMENT = /^\[lab\][^\n]*?\b(https?:\/\/[^\s'"<>]+)/;

/** Returns a function to feed output chunks to; `onUrl` is called for each announced address. */
export function spotAppUrl(onUrl: (url: string) => void): (chunk: string) => void {
  let pending = '';
  return (chunk) => {
    const lines = (pending + chunk).split(/\r?\n|\r/);
    // Keep a partial last line for the next chunk, bounded so endless output without newlines stays cheap.
    pending = (lines.pop() ?? '').slice(-500);
    for (const line of lines) {
      const found = ANNOUNCEMENT.exec(line.replace(ANSI, '').trim());
      if (found?.[1]) onUrl(found[1].replace(/[.,;)]+$/, ''));
    }
  };
}
