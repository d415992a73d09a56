/**
 * Line editing for a shell without a pseudo-terminal (the local runner's): typed characters are echoed
 * here and sent as one line on Enter, Backspace edits the line, and Ctrl-C abandons it and interrupts
 * the command in the foreground, as a terminal driver would.
 */
export interface LineInputOptions {
  /** Writes to the screen. */
  echo: (text: string) => void;
  /** Sends a finished line, newline included, to the shell. */
  send: (line: string) => void;
  interrupt?: (() => void) | undefined;
}

/** Returns the handler for the terminal's key data. */
export function createLineInput({ echo, send, interrupt }: LineInputOptions): (data: string) => void {
  let line = '';
  return (data) => {
    for (const char of data) {
      if (char === '\r') {
        echo('\r\n');
        send(`${line}\n`);
        line = '';
      } else if (char === '\u007f') {
        if (line.length > 0) {
          line = line.slice(0, -1);
          echo('\b \b');
        }
      } else if (char === '\u0003') {
        echo('^C\r\n');
        line = '';
        interrupt?.();
      } else if (char >= ' ') {
        line += char;
        echo(char);
      }
    }
  };
}

export interface InputGate {
  /** Takes the terminal's key data: passed on when a handler is attached, kept until then. */
  feed(data: string): void;
  /** Connects (or replaces) the handler; keys typed while none was attached reach it first, in order. */
  attach(handler: (data: string) => void): void;
}

/**
 * Holds keys typed before the shell is ready. A learner who opens the terminal and types at once must
 * not lose the command: the shell starts a moment later and then receives everything typed meanwhile.
 */
export function createInputGate(): InputGate {
  let handler: ((data: string) => void) | null = null;
  let held = '';
  return {
    feed(data) {
      if (handler) handler(data);
      else held += data;
    },
    attach(next) {
      handler = next;
      const replay = held;
      held = '';
      if (replay) next(replay);
    },
  };
}
