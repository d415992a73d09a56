// @ts-check
// Loaded into the learner's app by the checker (NODE_OPTIONS=--import=…): notes every package the app's
// own files import while it runs — `import`, `import()` and `require()`, of a bare name or of a path that
// leads into a node_modules folder — one JSON line each in the file named by LAB_IMPORTS_LOG. Imports
// made inside node_modules are the packages' own business and are not noted. The first line says the recorder is loaded, so the checker can tell "imported
// nothing" from "the recorder never ran".
import { appendFileSync } from 'node:fs';
import module from 'node:module';
import { isMainThread } from 'node:worker_threads';

const LOG = process.env.LAB_IMPORTS_LOG;
const seen = new Set();

/** @param {string} specifier @param {string | undefined} parentURL @param {string} url where it resolved */
function note(specifier, parentURL, url) {
  if (!LOG || !parentURL?.startsWith('file:') || parentURL.includes('/node_modules/') || parentURL.includes('/.lab/')) return;
  if (module.isBuiltin(specifier) || !url.startsWith('file:')) return;
  const bare = !/^(\.|\/|[a-z]+:)/i.test(specifier);
  if (!bare && !url.includes('/node_modules/')) return;
  const key = `${specifier}\0${parentURL}`;
  if (seen.has(key)) return;
  seen.add(key);
  appendFileSync(LOG, `${JSON.stringify({ specifier, parent: parentURL, url })}\n`);
}

/** Hook for module.register (runs off the main thread). @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  note(specifier, context.parentURL, result.url);
  return result;
}

if (isMainThread && LOG) {
  appendFileSync(LOG, `${JSON.stringify({ recorder: 'loaded', pid: process.pid })}\n`);
  if (typeof module.registerHooks === 'function') {
    module.registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        note(specifier, context.parentURL, result.url);
        return result;
      },
    });
  } else {
    module.register(import.meta.url);
  }
}
