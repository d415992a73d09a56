/** Syntax highlighting by file name: the lab files are JavaScript, JSON, `.env` files and Procfiles. */
import type { Extension } from '@codemirror/state';
import { StreamLanguage } from '@codemirror/language';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { properties } from '@codemirror/legacy-modes/mode/properties';

// `KEY=value` lines and `process: command` lines both read well with the properties mode's key/value colours.
const keyValue = StreamLanguage.define(properties);

export function languageFor(path: string): Extension {
  const name = path.split('/').at(-1) ?? path;
  if (/\.(?:m|c)?js$/.test(name)) return javascript();
  if (/\.(?:m|c)?ts$/.test(name)) return javascript({ typescript: true });
  if (name.endsWith('.json')) return json();
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env') || name === 'Procfile') return keyValue;
  return [];
}
