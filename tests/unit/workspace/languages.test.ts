import { afterEach, describe, expect, it, vi } from 'vitest';
import { EditorState } from '@codemirror/state';
import { ensureSyntaxTree } from '@codemirror/language';
import { languageFor } from '../../../src/components/workspace/languages.ts';

/** Parses a whole document the way the editor does when it opens a file. */
function parse(path: string, doc: string): void {
  const state = EditorState.create({ doc, extensions: languageFor(path) });
  expect(ensureSyntaxTree(state, state.doc.length, 5_000), `${path} parses`).not.toBeNull();
}

describe('syntax highlighting of lab files', () => {
  afterEach(() => vi.restoreAllMocks());

  it('knows every token the JavaScript and JSON modes produce, so the console stays clean', () => {
    const warn = vi.spyOn(console, 'warn');
    // Quoted and numeric object keys are the tokens CodeMirror's legacy table does not name.
    parse('config.js', "export const config = { 'port': Number(process.env.PORT), 2: `x${1}`, greeting: 'hi' };\n// done\n");
    parse('lab.mjs', "const headers = { 'content-type': 'text/plain' };\n");
    parse('package.json', '{ "name": "visitor-counter", "type": "module", "scripts": { "start": "node app.js" } }\n');
    parse('.env', 'PORT=3000\n');
    expect(warn).not.toHaveBeenCalled();
  });
});
