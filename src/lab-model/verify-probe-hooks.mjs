// Loaded with `node --import` by labs:verify's probe (verify-errors.ts): any import of the kit's
// index.mjs gets the real kit with `runLab` replaced by one that prints the check ids it was given and
// exits, so a check.mjs is loaded (its imports resolved, its top-level code run) without running a check.
import { registerHooks } from 'node:module';

const PROBE = 'lab-probe:kit';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (resolved.url.endsWith('/_kit/index.mjs') && !context.parentURL?.startsWith(PROBE)) {
      return { url: `${PROBE}?real=${encodeURIComponent(resolved.url)}`, shortCircuit: true };
    }
    return resolved;
  },
  load(url, context, nextLoad) {
    if (!url.startsWith(PROBE)) return nextLoad(url, context);
    const real = JSON.stringify(new URL(url).searchParams.get('real'));
    const source = `export * from ${real};
export async function runLab(_manifest, implementations) {
  process.stdout.write(JSON.stringify({ labProbe: Object.keys(implementations ?? {}) }) + '\\n');
  process.exit(0);
}
`;
    return { format: 'module', source, shortCircuit: true };
  },
});
