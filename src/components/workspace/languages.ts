/**
 * Syntax highlighting by file name: the lab files are JavaScript, JSON, `.env` files and Procfiles.
 * CodeMirror's legacy stream modes cover all four in a few kilobytes; the full Lezer grammars would
 * add some 40 KB gzip to the workspace for features (syntax-tree folding, completion) the labs do not use.
 */
import type { Extension } from '@codemirror/state';
import { StreamLanguage, type StreamParser } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { javascript, json, typescript } from '@codemirror/legacy-modes/mode/javascript';
import { properties } from '@codemirror/legacy-modes/mode/properties';

// The JavaScript mode styles a quoted object key `string property`; CodeMirror's table of legacy names
// knows `property` only on its own, and warns in the console for the combined one. Name it here.
const withKeys = <T>(parser: StreamParser<T>): StreamParser<T> => ({ ...parser, tokenTable: { ...parser.tokenTable, property: tags.propertyName } });

const js = StreamLanguage.define(withKeys(javascript));
const ts = StreamLanguage.define(withKeys(typescript));
const jsonLanguage = StreamLanguage.define(withKeys(json));
// `KEY=value` lines and `process: command` lines both read well with the properties mode's key/value colours.
const keyValue = StreamLanguage.define(properties);

export function languageFor(path: string): Extension {
  const name = path.split('/').at(-1) ?? path;
  if (/\.(?:m|c)?js$/.test(name)) return js;
  if (/\.(?:m|c)?ts$/.test(name)) return ts;
  if (name.endsWith('.json')) return jsonLanguage;
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env') || name === 'Procfile') return keyValue;
  return [];
}
