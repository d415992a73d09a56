/**
 * `npm run new:lab -- NN-slug`: a new lab folder for chapter NN, ready to be filled in. It holds a lab.json
 * (with its `$schema`, so an editor completes it), a check.mjs with one stub per check on the kit API (each
 * fails with "not written yet", so labs:verify says exactly what is left), starter/ and solution/ overlays
 * of the file the learner opens, one fixture and one correct-variant skeleton written as edits, and the
 * chapter's `lab:` line. It refuses, with the usual `file: field: what to do` messages, an id that exists,
 * a factor that already has a lab, a slug that is not the chapter's, and a chapter that already has a lab.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LabError } from './errors.ts';

const LAB_ID = /^(\d\d)-([a-z0-9]+(?:-[a-z0-9]+)*)$/;
/** The base file every scaffold overlays and opens: where most factors are fixed. */
const OPEN = 'config.js';
const CHECKS = [
  { id: 'first-check', title: 'TODO: one line saying what the first check verifies' },
  { id: 'second-check', title: 'TODO: one line saying what the second check verifies' },
];

export interface ScaffoldOptions {
  /** The labs folder (with `_base/` and `_kit/`). */
  labsRoot: string;
  /** The chapters folder (`content/chapters`). */
  chaptersDir: string;
}

export interface ScaffoldResult {
  /** Files written or changed, relative to the working directory. */
  files: string[];
}

const shown = (path: string): string => relative(process.cwd(), path).split('\\').join('/') || path;

function frontmatter(text: string): { body: string; end: number } | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  return match ? { body: match[1] as string, end: match[0].length } : undefined;
}

const field = (body: string, name: string): string | undefined => new RegExp(`^${name}:\\s*(.+?)\\s*$`, 'm').exec(body)?.[1]?.replace(/^["']|["']$/g, '');

export async function scaffoldLab(id: string, options: ScaffoldOptions): Promise<ScaffoldResult> {
  const { labsRoot, chaptersDir } = options;
  const parts = LAB_ID.exec(id);
  if (!parts) throw new LabError(`"${id}" is not a lab id: write the chapter's two-digit factor and its slug, e.g. npm run new:lab -- 07-port-binding.`);
  const [, number, slug] = parts as unknown as [string, string, string];
  const factor = Number(number);
  if (factor < 1 || factor > 12) throw new LabError(`"${id}": ${number} is not a factor; the course has factors 01 to 12.`);

  const labDir = join(labsRoot, id);
  if (existsSync(labDir)) throw LabError.at(shown(labDir), '(folder)', `lab "${id}" exists already; edit it, or pick another id.`);
  const sameFactor = (await readdir(labsRoot, { withFileTypes: true })).find((e) => e.isDirectory() && e.name.startsWith(`${number}-`));
  if (sameFactor) throw LabError.at(shown(join(labsRoot, sameFactor.name)), '(folder)', `factor ${factor} already has the lab "${sameFactor.name}"; each factor has one lab. Edit that one.`);

  const chapterName = (await readdir(chaptersDir)).find((name) => name.startsWith(`${number}-`) && name.endsWith('.mdx'));
  if (!chapterName) throw new LabError(`There is no chapter for factor ${factor} in ${shown(chaptersDir)}; write content/chapters/${number}-<slug>.mdx first, then run npm run new:lab -- ${number}-<slug>.`);
  const chapterFile = join(chaptersDir, chapterName);
  const chapterText = await readFile(chapterFile, 'utf8');
  const front = frontmatter(chapterText);
  if (!front) throw LabError.at(shown(chapterFile), '(frontmatter)', 'has no frontmatter between two "---" lines; the lab needs the chapter\'s factor, slug and title.');
  const chapterSlug = field(front.body, 'slug');
  if (chapterSlug !== slug) {
    throw LabError.at(shown(chapterFile), 'slug', `is "${chapterSlug}", but the lab id says "${slug}"; a lab is named after its chapter: npm run new:lab -- ${number}-${chapterSlug}.`);
  }
  const chapterLab = field(front.body, 'lab');
  if (chapterLab) throw LabError.at(shown(chapterFile), 'lab', `already points at the lab "${chapterLab}"; a chapter has one lab.`);
  const title = field(front.body, 'title') ?? slug;

  const base = join(labsRoot, '_base');
  const baseFiles = (await readdir(base)).filter((name) => !name.startsWith('.') && name !== 'node_modules').sort();
  if (!baseFiles.includes(OPEN)) throw new LabError(`${shown(base)} has no ${OPEN}; the scaffold overlays it.`);
  const baseOpen = await readFile(join(base, OPEN), 'utf8');
  // A line of the opened file that occurs once, for the fixture's example edit.
  const findLine = baseOpen.split('\n').find((line) => line.trim().length > 12 && !line.trim().startsWith('//') && baseOpen.split(line).length === 2) ?? baseOpen.split('\n')[0] ?? '';

  const written: string[] = [];
  const write = async (path: string, text: string): Promise<void> => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text);
    written.push(shown(path));
  };
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const visible = [OPEN, ...['app.js', 'server.js', 'counter.js', 'package.json'].filter((f) => f !== OPEN && baseFiles.includes(f))];

  await write(join(labDir, 'lab.json'), json({
    $schema: '../../src/lab-model/schemas/lab.schema.json',
    id,
    factor,
    title,
    summary: `TODO: one or two sentences telling the learner what is wrong with the visitor counter and what to change.`,
    files: { visible, editable: visible.filter((f) => f !== 'package.json'), open: OPEN },
    commands: { run: 'node .lab/run.mjs', start: 'npm start', check: 'node .lab/check.mjs', tasks: [] },
    env: { PORT: '3000' },
    checks: CHECKS,
  }));

  const stubs = CHECKS.map(({ id: check }) => `  // TODO: start the app, do what shows the factor, and throw t.fail({ … }) when it does not hold.
  // Start it with t.startReady when an app that fails to start is simply broken (the kit reports that as
  // an error); with t.start, then app.waitForPort or app.waitForExit, when exiting is the very mistake
  // this check is about (a fixture's rejectedBy must fail, not error).
  '${check}': async (t) => {
    throw t.fail({
      message: '${check} is not written yet: replace this stub in labs/${id}/check.mjs.',
      hints: ['See "The checks" on the instructors\\' page (src/pages/instructors.mdx) and the kit\\'s API in labs/_kit/index.d.ts.'],
    });
  },`).join('\n\n');
  await write(join(labDir, 'check.mjs'), `// @ts-check
// The checks of lab ${id} (${title}). Each check runs the learner's app and returns a sentence saying what it
// verified, or throws t.fail({ message, expected, actual, hints }). The kit's API: labs/_kit/index.d.ts.
// Add what you use, e.g. request and describe to talk to the app over HTTP.
import { runLab } from '../_kit/index.mjs';

await runLab(new URL('./lab.json', import.meta.url), {
${stubs}
});
`);

  const marker = (what: string) => `// TODO (${what}): change this file so it ${what === 'starter' ? `breaks factor ${factor}, ${title}, and nothing else` : `does ${title} right, the base app's way`}; delete this comment.\n`;
  await write(join(labDir, 'starter', OPEN), marker('starter') + baseOpen);
  await write(join(labDir, 'solution', OPEN), marker('solution') + baseOpen);

  await write(join(labDir, 'fixtures', 'first-mistake', 'fixture.json'), json({
    $schema: '../../../../src/lab-model/schemas/fixture.schema.json',
    from: 'solution',
    rejectedBy: CHECKS[0]?.id,
    why: 'TODO: the misunderstanding this mistake stands for, and why a learner would make it.',
    edits: [{ file: OPEN, find: findLine, replace: `${findLine} // TODO: the mistake` }],
  }));
  await write(join(labDir, 'variants', 'another-way', 'variant.json'), json({
    $schema: '../../../../src/lab-model/schemas/variant.schema.json',
    from: 'solution',
    why: 'TODO: another right way a learner writes the fix, and why it is right too.',
    edits: [{ file: OPEN, find: findLine, replace: findLine }],
  }));

  const lines = chapterText.slice(0, front.end).split('\n');
  const closing = lines.lastIndexOf('---');
  lines.splice(closing, 0, `lab: ${id}`);
  await writeFile(chapterFile, lines.join('\n') + chapterText.slice(front.end));
  written.push(shown(chapterFile));
  return { files: written };
}

/** What `npm run new:lab` prints after creating lab `id` for the chapter file `chapter`: the steps left. */
export function nextSteps(id: string, chapter: string): string {
  return `Next:
  1. lab.json: the summary, the checks' ids and titles (your editor completes the fields from its $schema).
  2. starter/ and solution/: make the starter break the factor and the solution fix it (delete the TODO lines).
  3. check.mjs: replace each stub with a check that runs the app (API: labs/_kit/index.d.ts).
  4. fixtures/ and variants/: realistic mistakes (each names the check that rejects it) and other right answers.
  5. npm run check:lab -- ${id}    type-checks check.mjs against the kit's API.
  6. npm run labs:verify -- ${id}   until every row says ok; --show ${id}/<variant> prints one run in full.
  7. ${chapter}: rewrite its "What the lab will ask" section to say what the checks verify.
The instructors' page (npm run dev, then /instructors/) explains each step.`;
}
