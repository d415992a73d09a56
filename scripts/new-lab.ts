/**
 * npm run new:lab -- NN-slug — creates the lab of chapter NN from the base app (see src/lab-model/scaffold.ts)
 * and prints what to fill in next. Exits 1 with a readable message when it refuses.
 */
import { join } from 'node:path';
import { LabError } from '../src/lab-model/errors.ts';
import { defaultLabsRoot } from '../src/lab-model/loader.ts';
import { nextSteps, scaffoldLab } from '../src/lab-model/scaffold.ts';

const [id, ...rest] = process.argv.slice(2);
if (!id || rest.length || id.startsWith('-')) {
  console.error('Usage: npm run new:lab -- NN-slug   e.g. npm run new:lab -- 07-port-binding (the chapter content/chapters/07-port-binding.mdx must exist)');
  process.exit(id === '--help' || id === '-h' ? 0 : 2);
}

const labsRoot = defaultLabsRoot();
try {
  const { files } = await scaffoldLab(id, { labsRoot, chaptersDir: join(labsRoot, '..', 'content', 'chapters') });
  const chapter = files.find((f) => f.endsWith('.mdx')) ?? `content/chapters/${id}.mdx`;
  console.log(`Created lab ${id}:\n${files.map((f) => `  ${f}`).join('\n')}\n\n${nextSteps(id, chapter)}`);
} catch (error) {
  if (!(error instanceof LabError)) throw error;
  console.error(error.message);
  process.exit(1);
}
