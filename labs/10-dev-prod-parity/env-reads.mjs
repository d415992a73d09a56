// Loaded into the learner's app with `node --import` (through NODE_OPTIONS) by this lab's checker: it
// records the name of every environment variable the app's own code reads (not its packages', not
// Node's), so the checker can compare them with .env.example. One line per name, appended synchronously
// to the file named in LAB_ENV_READS the first time the name is read, so a crash loses nothing.
import { appendFileSync } from 'node:fs';
import { sep } from 'node:path';

const file = process.env.LAB_ENV_READS;
const LOADED = Symbol.for('twelve-factor-lab.env-reads');

/** Whether the code reading a variable is the app's own: the first frame outside this file. */
function byApp(stack) {
  const frames = stack.split('\n').slice(1).map((line) => line.match(/(?:file:\/\/)?(\/[^\s():]+|[A-Za-z]:\\[^\s():]+):\d+:\d+/)?.[1]).filter(Boolean);
  const caller = frames.find((f) => !f.endsWith('env-reads.mjs'));
  if (!caller) return false;
  const root = process.cwd() + sep;
  if (!caller.startsWith(root)) return false;
  // Inside the app's folder, but not its packages nor the checker's own files.
  const inside = caller.slice(root.length).split(sep);
  return !inside.includes('node_modules') && inside[0] !== '.lab';
}

if (file && !globalThis[LOADED]) {
  globalThis[LOADED] = true;
  const seen = new Set();
  const note = (name) => {
    if (typeof name !== 'string' || seen.has(name)) return;
    try {
      if (!byApp(new Error().stack ?? '')) return;
      seen.add(name);
      appendFileSync(file, `${name}\n`);
    } catch {
      // Never let the recorder change what the app does.
    }
  };
  const env = process.env;
  try {
    process.env = new Proxy(env, {
      get(target, name) {
        note(name);
        return Reflect.get(target, name);
      },
      has(target, name) {
        note(name);
        return Reflect.has(target, name);
      },
      getOwnPropertyDescriptor(target, name) {
        note(name);
        return Reflect.getOwnPropertyDescriptor(target, name);
      },
    });
    // Only now can the checker trust the record; without this line it falls back to reading the source.
    appendFileSync(file, '\0loaded\n');
  } catch {
    // A runtime where process.env cannot be replaced: record nothing, change nothing.
  }
}
