/**
 * npm run check:lab -- [NN-slug…] [--strict] — type-checks each lab's check.mjs (and the helpers it imports)
 * against the kit's API, labs/_kit/index.d.ts, without a `// @ts-check` line and without checking the rest
 * of the project (see src/lab-model/check-types.ts). With no ids, every lab. Exits 1 when a lab has type
 * errors, 2 on a usage error.
 */
import { join } from 'node:path';
import { defaultLabsRoot, listLabIds } from '../src/lab-model/index.ts';
import { typeCheckLabs } from '../src/lab-model/check-types.ts';

const USAGE = `Usage: npm run check:lab -- [NN-slug…] [--strict]

Type-checks each lab's check.mjs (and the helper modules it imports) against the kit's API in
labs/_kit/index.d.ts, with the project's compiler options. With no lab ids, every lab.

  --strict   also report parameters without a type in the lab's own helpers (noImplicitAny);
             by default only what the kit's types can tell is checked`;

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const strict = argv.includes('--strict');
const unknown = argv.filter((a) => a.startsWith('-') && a !== '--strict');
const known = await listLabIds();
const ids = argv.filter((a) => !a.startsWith('-'));
const wrong = ids.filter((id) => !known.includes(id));
if (unknown.length || wrong.length) {
  console.error(`${unknown.length ? `${unknown.join(', ')}: not an option of check:lab.` : `"${wrong[0]}" is not a lab; labs are ${known.join(', ')}.`}\n\n${USAGE}`);
  process.exit(2);
}

const root = defaultLabsRoot();
const chosen = ids.length ? ids : known;
const started = performance.now();
const results = typeCheckLabs(chosen.map((id) => join(root, id)), { strict });
let total = 0;
for (const id of chosen) {
  const problems = results.get(join(root, id)) ?? [];
  total += problems.length;
  console.log(problems.length ? `✘ ${id}: ${problems.length} type error${problems.length === 1 ? '' : 's'}` : `  ok ${id}`);
  for (const p of problems) console.log(`  ${p.where}: ${p.message}`);
}
console.log(`\n${total ? `${total} type error${total === 1 ? '' : 's'}` : 'No type errors'} in ${chosen.length} lab${chosen.length === 1 ? '' : 's'} (${((performance.now() - started) / 1000).toFixed(1)} s).`);
process.exitCode = total ? 1 : 0;
