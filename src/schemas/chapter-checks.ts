/**
 * Checks a chapter's frontmatter against the schema, its file name and the labs on disk, and the
 * course as a whole (one chapter per factor). Pure functions: the content loader and tests call them.
 */
import { chapterSchema, type ChapterData } from './chapter.ts';
import { issuesToProblems, type Problem } from './format-issues.ts';

const FILE_NAME = /(?:^|\/)(\d\d)-([a-z0-9]+(?:-[a-z0-9]+)*)\.mdx$/;

export interface CheckedChapter {
  file: string;
  data: ChapterData;
}

const labList = (labs: readonly string[]) => (labs.length ? `labs are ${[...labs].sort().join(', ')}` : 'there are no labs yet');

/**
 * Validates one chapter. `file` is the project-relative path; `labs` the ids that have a `labs/<id>/lab.json`;
 * `labFactor` the factor a lab's lab.json declares, when known.
 * Returns the parsed data, or every problem found (never just the first, so one build shows them all).
 */
export function checkChapter(file: string, raw: unknown, labs: readonly string[], labFactor: (lab: string) => number | undefined = () => undefined): { data: ChapterData } | { problems: Problem[] } {
  const name = FILE_NAME.exec(file);
  const problems: Problem[] = [];
  if (!name) {
    problems.push({
      file,
      field: '(file name)',
      message: 'chapter files are named "NN-slug.mdx": the two-digit factor, then the slug, e.g. "03-config.mdx". Rename the file.',
    });
  }
  const parsed = chapterSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) return { problems: [...problems, ...issuesToProblems(file, parsed.error.issues)] };
  const data = parsed.data;
  if (name) {
    const [, number, slug] = name;
    if (data.slug !== slug) {
      problems.push({
        file,
        field: 'slug',
        message: `"${data.slug}" does not match the file name, which says "${slug}". Set "slug: ${slug}" or rename the file to ${number}-${data.slug}.mdx.`,
      });
    }
    if (Number(number) !== data.factor) {
      const padded = String(data.factor).padStart(2, '0');
      problems.push({
        file,
        field: 'factor',
        message: `${data.factor} does not match the file name, which starts with "${number}". Set "factor: ${Number(number)}" or rename the file to ${padded}-${slug}.mdx.`,
      });
    }
  }
  if (data.lab !== undefined && !labs.includes(data.lab)) {
    problems.push({
      file,
      field: 'lab',
      message: `"${data.lab}" is not a lab; ${labList(labs)}. Fix the id or create labs/${data.lab}/lab.json.`,
    });
  } else if (data.lab !== undefined) {
    const factor = labFactor(data.lab);
    if (factor !== undefined && factor !== data.factor) {
      problems.push({
        file,
        field: 'lab',
        message: `"${data.lab}" teaches factor ${factor} (labs/${data.lab}/lab.json), but this chapter is factor ${data.factor}. Point the chapter at a lab of its own factor, or fix "factor" in that lab.json.`,
      });
    }
  }
  return problems.length ? { problems } : { data };
}

/**
 * Course-wide rules: each factor and each lab belongs to exactly one chapter. `chapters` come established
 * first: when two clash, the later one is reported and the earlier one stays.
 */
export function checkCourse(chapters: readonly CheckedChapter[]): Problem[] {
  const problems: Problem[] = [];
  const byFactor = new Map<number, string>();
  const byLab = new Map<string, string>();
  for (const { file, data } of chapters) {
    const factorOwner = byFactor.get(data.factor);
    if (factorOwner) {
      problems.push({ file, field: 'factor', message: `${data.factor} is already the factor of ${factorOwner}; each factor has one chapter. Fix the number in one of them.` });
    } else byFactor.set(data.factor, file);
    if (data.lab === undefined) continue;
    const labOwner = byLab.get(data.lab);
    if (labOwner) {
      problems.push({ file, field: 'lab', message: `"${data.lab}" is already the lab of ${labOwner}; a lab belongs to one chapter. Point this chapter at its own lab.` });
    } else byLab.set(data.lab, file);
  }
  return problems;
}
