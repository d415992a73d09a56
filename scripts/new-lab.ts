/**
 * npm run new:lab -- NN-slug — creates the lab of chapter NN from the base app (see src/lab-model/scaffold.ts)
 * and prints what to fill in next. Exits 1 with a readable message when it refuses.
 */
import { join } from 'node:path';
import { LabError } from '../src/lab-model/errors.ts';
import { defaultLabsRoot } from '../src/lab-model/loader.ts';
import { scaffoldLab } from '../src/lab-model/scaffold.ts';

const [id, ...rest] = process.argv.slice(2);
if (!id || rest.length || id.startsWith('-')) {
  console.error('Usage: npm run new:lab -- NN-slug   e.g. npm run new:lab -- 07-port-binding (the chapter content/chapters/07-port-binding.mdx must exist)');
  process.exit(id === '--help' || id === '-h' ? 0 : 2);
}

const labsRoot = defaultLabsRoot();
try {
  const { files } = await scaffoldLab(id, { labsRoot, chaptersDir: join(labsRoot, '..', 'content', 'chapters') });
  console.log(`Created lab ${id}:\n${files.map((f) => `  ${f}`).join('\n')}

Next:
  1. lab.json: the summary, the checks' ids and titles (your editor completes the fields from its $schema).
  2. starter/ and solution/: make the starter break the factor and the solution fix it (delete the TODO lines).
  3. check.mjs: replace each stub with a check that runs the app (API: labs/_kit/index.d.ts).
  4. fixtures/ and variants/: realistic mistakes (each names the check that rejects it) and other right answers.
  5. npm run labs:verify -- ${id}   until every row says ok; --show ${id}/<variant> prints one run in full.
The instructors' page (npm run dev, then /instructors/) explains each step.`);
} catch (error) {
  if (!(error instanceof LabError)) throw error;
  console.error(error.message);
  process.exit(1);
}
