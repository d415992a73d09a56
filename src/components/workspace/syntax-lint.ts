/**
 * Marks JavaScript that cannot be parsed, as the learner types: the spot is underlined, a marker sits in
 * the gutter, and hovering or moving the cursor there says what is wrong in words. Only the first error
 * is shown; a parser that lost its way reports several more that are echoes of the first.
 *
 * Loaded when the learner first edits a JavaScript file (the parser is some 45 KB gzip), never before.
 */
import type { Extension } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { linter, lintGutter, lintKeymap, type Diagnostic } from '@codemirror/lint';
import { parser } from '@lezer/javascript';

/** Where JavaScript stops making sense in `text`, or null when it parses. */
export function syntaxError(text: string): { from: number; to: number; message: string } | null {
  let at = -1;
  let end = -1;
  parser.parse(text).iterate({
    enter(node) {
      if (at >= 0) return false;
      if (node.type.isError) {
        at = node.from;
        end = node.to;
        return false;
      }
      return undefined;
    },
  });
  if (at < 0) return null;
  const rest = text.slice(at);
  const skipped = rest.length - rest.trimStart().length;
  if (rest.trim() === '') {
    return { from: Math.max(0, text.trimEnd().length - 1), to: text.trimEnd().length, message: 'The file ends too soon: a bracket, brace or quote opened above is never closed.' };
  }
  // Lost at the start of a line (or at its end) whose previous line leaves a quote open: a string ran on.
  const lineStart = text.lastIndexOf('\n', at - 1);
  const atLineStart = text.slice(lineStart + 1, at).trim() === '';
  const line = atLineStart ? text.slice(text.lastIndexOf('\n', lineStart - 1) + 1, Math.max(lineStart, 0)) : text.slice(lineStart + 1, at);
  const endsLine = atLineStart || /^[ \t]*(?:\n|$)/.test(rest);
  if (endsLine && ["'", '"'].some((quote) => line.split(quote).length % 2 === 0)) {
    const quote = atLineStart ? lineStart : at;
    return { from: Math.max(0, quote - 1), to: Math.max(quote, 1), message: 'This line ends inside a string: close the quote before the end of the line.' };
  }
  const start = at + skipped;
  const token = /^(?:[\p{L}\p{N}_$]+|'[^'\n]*'?|"[^"\n]*"?|\S)/u.exec(text.slice(start))?.[0] ?? text.charAt(start);
  const to = Math.max(end, start + token.length);
  const what = /^[\p{L}_$]/u.test(token) ? `the name “${token}”` : /^\d/.test(token) ? `the number ${token}` : `“${token}”`;
  return { from: start, to, message: `JavaScript did not expect ${what} here. Check the line for a missing comma, bracket or operator, or a misspelt keyword.` };
}

export function syntaxLinter(): Extension {
  return [
    linter(
      (view): Diagnostic[] => {
        const found = syntaxError(view.state.doc.toString());
        return found ? [{ ...found, severity: 'error', source: 'Syntax' }] : [];
      },
      { delay: 350 },
    ),
    lintGutter(),
    // F8 moves to the error and says what it is; Ctrl/Cmd+Shift+M lists it in a panel.
    keymap.of(lintKeymap),
  ];
}
