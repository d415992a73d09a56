import { describe, expect, it } from 'vitest';
import { createInputGate, createLineInput } from '../../../src/components/workspace/line-input.ts';

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

describe('keys typed before the shell is ready', () => {
  it('holds them and replays them, in order, to the handler once it is attached', () => {
    const { feed, screen, sent } = harness();
    const gate = createInputGate();
    gate.feed('l');
    gate.feed('s\r');
    expect(sent).toEqual([]);
    gate.attach(feed);
    expect(sent).toEqual(['ls\n']);
    expect(screen.join('')).toBe('ls\r\n');
    gate.feed('pwd\r');
    expect(sent).toEqual(['ls\n', 'pwd\n']);
  });

  it('replays held keys only once, and a replacing handler gets only what follows', () => {
    const first: string[] = [];
    const second: string[] = [];
    const gate = createInputGate();
    gate.feed('echo hi\r');
    gate.attach((data) => first.push(data));
    gate.attach((data) => second.push(data));
    gate.feed('x');
    expect(first).toEqual(['echo hi\r']);
    expect(second).toEqual(['x']);
  });
});
