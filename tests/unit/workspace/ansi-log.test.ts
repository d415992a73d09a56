// @vitest-environment happy-dom
/** Run's output log: what the launcher and apps print, turned into lines, styles and links. */
import { describe, expect, it } from 'vitest';
import { applySgr, classesOf, createAnsiLog } from '../../../src/components/workspace/ansi-log.ts';

const lines = (box: HTMLElement): string[] => [...box.children].map((line) => line.textContent ?? '');

describe('the output log', () => {
  it('splits lines on line feeds, with \\r\\n and \\n alike', () => {
    const box = document.createElement('div');
    createAnsiLog(box).write('one\r\ntwo\nthree');
    expect(lines(box)).toEqual(['one', 'two', 'three']);
  });

  it('styles text from SGR sequences and drops other escapes', () => {
    const box = document.createElement('div');
    createAnsiLog(box).write('\x1b[2K\x1b[1;31mfailed\x1b[0m ok \x1b[?25l\x1b[32mpassed\x1b[39m');
    expect(lines(box)).toEqual(['failed ok passed']);
    const spans = [...box.querySelectorAll('span')].map((span) => [span.className, span.textContent]);
    expect(spans).toEqual([['ansi-bold ansi-fg-1', 'failed'], ['ansi-fg-2', 'passed']]);
  });

  it('joins an escape sequence split across two chunks', () => {
    const box = document.createElement('div');
    const log = createAnsiLog(box);
    log.write('a\x1b[3');
    log.write('3mb');
    expect(lines(box)).toEqual(['ab']);
    expect(box.querySelector('.ansi-fg-3')?.textContent).toBe('b');
  });

  it('lets a carriage return rewrite its line, as a progress line does', () => {
    const box = document.createElement('div');
    const log = createAnsiLog(box);
    log.write('10%\r');
    log.write('100%\r\ndone\n');
    expect(lines(box)).toEqual(['100%', 'done', '']);
  });

  it('makes addresses links that open a new tab, without trailing punctuation', () => {
    const box = document.createElement('div');
    createAnsiLog(box).write('app answers at http://localhost:3000/.\n');
    const link = box.querySelector('a')!;
    expect(link.getAttribute('href')).toBe('http://localhost:3000/');
    expect(link.target).toBe('_blank');
    expect(link.rel).toBe('noopener');
    expect(lines(box)[0]).toBe('app answers at http://localhost:3000/.');
  });

  it('never puts the program’s text in as markup', () => {
    const box = document.createElement('div');
    createAnsiLog(box).write('<img src=x onerror=alert(1)>\n');
    expect(box.querySelector('img')).toBeNull();
    expect(lines(box)[0]).toBe('<img src=x onerror=alert(1)>');
  });

  it('keeps what it received for a terminal that takes over, and forgets it on clear', () => {
    const box = document.createElement('div');
    const log = createAnsiLog(box);
    log.write('\x1b[31mred\x1b[0m\n');
    expect(log.raw()).toBe('\x1b[31mred\x1b[0m\n');
    log.clear();
    expect(log.raw()).toBe('');
    expect(lines(box)).toEqual(['']);
  });
});

describe('SGR parameters', () => {
  it('reset, bright colours, and 256-colour arguments skipped', () => {
    let style = applySgr(applySgr({ bold: false, dim: false, italic: false, underline: false, fg: null, bg: null }, '1;94'), '38;5;200;4');
    expect(classesOf(style)).toBe('ansi-bold ansi-underline ansi-fg-4');
    style = applySgr(style, '');
    expect(classesOf(style)).toBe('');
  });
});
