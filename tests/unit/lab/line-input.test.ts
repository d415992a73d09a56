import { describe, expect, it } from 'vitest';
import { createLineInput } from '../../../src/components/lab/line-input.ts';

function harness(withInterrupt = true) {
  const screen: string[] = [];
  const sent: string[] = [];
  let interrupts = 0;
  const feed = createLineInput({
    echo: (text) => screen.push(text),
    send: (line) => sent.push(line),
    interrupt: withInterrupt ? () => interrupts++ : undefined,
  });
  return { feed, screen, sent, interrupts: () => interrupts };
}

describe('line input for a shell without a terminal', () => {
  it('echoes typing, edits with Backspace and sends the whole line on Enter', () => {
    const { feed, screen, sent } = harness();
    feed('lss');
    feed('\u007f');
    feed(' -a\r');
    expect(sent).toEqual(['ls -a\n']);
    expect(screen.join('')).toBe('lss\b \b -a\r\n');
  });

  it('on Ctrl-C drops the unfinished line, interrupts the foreground command, and sends nothing', () => {
    const { feed, screen, sent, interrupts } = harness();
    feed('npm st');
    feed('\u0003');
    expect(interrupts()).toBe(1);
    expect(sent).toEqual([]);
    expect(screen.at(-1)).toBe('^C\r\n');
    feed('pwd\r');
    expect(sent).toEqual(['pwd\n']);
  });

  it('ignores other control characters and works without an interrupt handler', () => {
    const { feed, sent } = harness(false);
    feed('a\u001b\u0003b\r');
    expect(sent).toEqual(['b\n']);
  });
});
