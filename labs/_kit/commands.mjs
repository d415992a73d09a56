// @ts-check
// Turns a lab command line ("node app.js", "npm start", "npm run worker -- --once", "NODE_ENV=x node a.js")
// into what to spawn. npm itself is never run: `npm start` / `npm run X` are resolved from the app's
// package.json, so signals reach the app rather than an npm process that may not forward them, and a
// workspace without npm (WebContainer's jsh has its own) behaves the same.
//
// A resolved command that is a plain `node …` is spawned directly; anything else (pipes, `&&`,
// variable assignments, other programs) runs through a shell: `sh -c` on POSIX, `jsh -c` under
// WebContainer, `cmd /d /s /c` on Windows.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { nodeProgram } from './process.mjs';

const SHELL_SYNTAX = /[|&;<>()$`\\*?[\]{}~!#]|^\s*\w+=/;

/**
 * Splits a command line into words, honouring '…' and "…" quotes; undefined when it needs a shell.
 * @param {string} line
 * @returns {string[] | undefined}
 */
export function splitWords(line) {
  const words = [];
  let word = '';
  let quote = '';
  let started = false;
  for (const ch of line.trim()) {
    if (quote) {
      if (ch === quote) quote = '';
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || word) words.push(word);
      word = '';
      started = false;
    } else {
      if (SHELL_SYNTAX.test(ch)) return undefined;
      word += ch;
    }
  }
  if (quote) return undefined;
  if (started || word) words.push(word);
  if (words[0] && /^\w+=/.test(words[0])) return undefined;
  return words;
}

/**
 * @typedef {{ program: string, args: string[], shell: boolean, shown: string, script?: string, env: Record<string, string> }} Resolved
 *   `shown` is the command as the transcript should name it; `script` the package.json script it came from;
 *   `env` variables npm would set (npm_lifecycle_event, PATH with node_modules/.bin).
 */

/**
 * Resolves `command` for a workspace.
 * @param {string} command
 * @param {string} cwd the app's folder (where package.json is)
 * @param {Record<string, string | undefined>} [env] the environment it will run with (for PATH)
 * @returns {Resolved}
 */
export function resolveCommand(command, cwd, env = process.env) {
  const words = splitWords(command);
  const npm = words && words[0] === 'npm' ? npmScript(words.slice(1), cwd) : undefined;
  if (npm) {
    const script = npm.args.length ? `${npm.body} ${npm.args.map(quote).join(' ')}` : npm.body;
    const path = [join(cwd, 'node_modules', '.bin'), env.PATH].filter(Boolean).join(delimiter);
    const inner = resolveCommand(script, cwd, { ...env, PATH: path });
    return { ...inner, shown: `${command} → ${script}`, script: npm.name, env: { ...inner.env, PATH: path, npm_lifecycle_event: npm.name, npm_lifecycle_script: npm.body } };
  }
  if (words && words[0] === 'node') return { program: nodeProgram(), args: words.slice(1), shell: false, shown: command, env: {} };
  const [program, args] = shellFor(command);
  return { program, args, shell: true, shown: command, env: {} };
}

/** @param {string} command @returns {[string, string[]]} */
function shellFor(command) {
  if (process.versions.webcontainer) return ['jsh', ['-c', command]];
  if (process.platform === 'win32') return [process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', command]];
  return ['/bin/sh', ['-c', command]];
}

/** @param {string} word */
const quote = (word) => (/^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * The script `npm <args>` would run: `start`, `test`, `run X`, `run-script X`; args after `--` are passed on.
 * @param {string[]} args
 * @param {string} cwd
 */
function npmScript(args, cwd) {
  const [verb, ...rest] = args;
  let name;
  let extra = rest;
  if (verb === 'start' || verb === 'test' || verb === 't' || verb === 'stop' || verb === 'restart') name = verb === 't' ? 'test' : verb;
  else if (verb === 'run' || verb === 'run-script' || verb === 'rum' || verb === 'urn') [name, ...extra] = rest;
  if (!name) return undefined;
  if (extra[0] === '--') extra = extra.slice(1);
  const file = join(cwd, 'package.json');
  /** @type {Record<string, unknown>} */
  let scripts = {};
  try {
    scripts = JSON.parse(readFileSync(file, 'utf8')).scripts ?? {};
  } catch (error) {
    throw new CommandError(existsSync(file) ? `package.json is not valid JSON (${/** @type {Error} */ (error).message}), so "npm ${args.join(' ')}" cannot run.` : `There is no package.json, so "npm ${args.join(' ')}" has no script to run.`);
  }
  let body = scripts[name];
  // npm's own default: `npm start` without a start script runs server.js.
  if (body === undefined && name === 'start' && existsSync(join(cwd, 'server.js'))) body = 'node server.js';
  if (typeof body !== 'string') {
    const known = Object.keys(scripts);
    throw new CommandError(`package.json has no "${name}" script, so "npm ${args.join(' ')}" has nothing to run${known.length ? `; its scripts are ${known.join(', ')}` : ''}.`);
  }
  return { name, body, args: extra };
}

/** A command that cannot run as written (no such script, broken package.json): the learner can fix it. */
export class CommandError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'CommandError';
  }
}
