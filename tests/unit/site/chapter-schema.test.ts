import { describe, expect, it } from 'vitest';
import { checkChapter, checkCourse } from '../../../src/schemas/chapter-checks.ts';
import { formatProblems } from '../../../src/schemas/format-issues.ts';

const LABS = ['03-config', '06-processes', '09-disposability'];
const FILE = 'content/chapters/06-processes.mdx';
const valid = {
  factor: 6,
  slug: 'processes',
  title: 'Processes',
  summary: 'Run the app as one or more stateless processes that share nothing.',
  objectives: ['Explain why a process keeps no state.', 'Move the visit counter into Redis.'],
  minutes: 25,
  lab: '06-processes',
};

/** The formatted report for one chapter, or '' when it is valid. */
function report(data: unknown, file = FILE, labs = LABS): string {
  const result = checkChapter(file, data, labs);
  return 'problems' in result ? formatProblems(result.problems) : '';
}

describe('a valid chapter', () => {
  it('parses', () => {
    expect(checkChapter(FILE, valid, LABS)).toEqual({ data: valid });
  });

  it('must name its lab: a chapter without one is an error naming the file, the field and the fix', () => {
    const { lab: _lab, ...noLab } = valid;
    expect(report(noLab)).toContain('lab: is missing; every chapter has a lab: add its id, e.g. "lab: 03-config"');
    expect(report(noLab)).toContain(FILE);
  });
});

describe('frontmatter mistakes name the file, the field, the problem and the fix', () => {
  it.each([
    ['an unknown lab', { lab: '06-proceses' },
      'lab: "06-proceses" is not a lab; labs are 03-config, 06-processes, 09-disposability. Fix the id or create labs/06-proceses/lab.json.'],
    ['a factor out of range', { factor: 13 }, 'factor: must be a whole number from 1 to 12; the course has twelve factors (found 13)'],
    ['a factor written as text', { factor: 'six' }, 'factor: must be a whole number from 1 to 12, e.g. "factor: 3" (found "six")'],
    ['a two-line summary', { summary: 'Run the app as stateless processes.\nThey share nothing at all.' }, 'summary: spans several lines; write it as one line'],
    ['a summary past 160 characters', { summary: 'x'.repeat(161) }, 'summary: is longer than 160 characters'],
    ['one objective', { objectives: ['Explain why a process keeps no state.'] }, 'objectives: needs at least 2 entries'],
    ['objectives as one line', { objectives: 'Explain things.' }, 'objectives: must be a list ("- Explain …"), not a single line'],
    ['a short objective', { objectives: ['Explain why a process keeps no state.', 'Do it'] }, 'objectives[1]: is too short'],
    ['zero minutes', { minutes: 0 }, 'minutes: must be more than 0'],
    ['a lab id that is not an id', { lab: 'Processes' }, 'lab: must be a lab id such as "03-config"'],
    ['a slug that is not kebab-case', { slug: 'Processes' }, 'slug: must be kebab-case'],
  ])('%s', (_name, change, expected) => {
    expect(report({ ...valid, ...change })).toContain(`${FILE}: ${expected}`);
  });

  it('a missing field says to add it, with an example', () => {
    const { minutes: _m, ...rest } = valid;
    expect(report(rest)).toBe(`${FILE}: minutes: is missing; add an estimate, e.g. "minutes: 25"`);
  });

  it('a misspelt field is named and the real fields are listed', () => {
    expect(report({ ...valid, objective: ['x'] })).toBe(
      `${FILE}: objective: is not a chapter field; the fields are factor, slug, title, summary, objectives, minutes, lab. Check the spelling or remove it.`,
    );
  });

  it('reports every problem at once, not just the first', () => {
    expect(report({ ...valid, factor: 0, minutes: -1, title: '' }).split('\n')).toHaveLength(3);
  });

  it('an empty frontmatter lists each required field', () => {
    const text = report(undefined);
    for (const field of ['factor', 'slug', 'title', 'summary', 'objectives', 'minutes']) expect(text).toContain(`${FILE}: ${field}: is missing`);
  });
});

describe('the file name and the frontmatter agree', () => {
  it('slug must equal the name after NN-', () => {
    expect(report({ ...valid, slug: 'process' })).toBe(
      `${FILE}: slug: "process" does not match the file name, which says "processes". Set "slug: processes" or rename the file to 06-process.mdx.`,
    );
  });

  it('factor must equal the NN of the file name', () => {
    expect(report({ ...valid, factor: 7 })).toContain(`${FILE}: factor: 7 does not match the file name, which starts with "06". Set "factor: 6" or rename the file to 07-processes.mdx.`);
  });

  it('a file not named NN-slug.mdx is refused', () => {
    expect(report(valid, 'content/chapters/processes.mdx')).toContain('content/chapters/processes.mdx: (file name): chapter files are named "NN-slug.mdx"');
  });

  it('says so when no labs exist yet', () => {
    expect(report(valid, FILE, [])).toContain('"06-processes" is not a lab; there are no labs yet.');
  });
});

describe('the course as a whole', () => {
  const chapter = (factor: number, slug: string, lab = `${String(factor).padStart(2, '0')}-${slug}`) => ({
    file: `content/chapters/${String(factor).padStart(2, '0')}-${slug}.mdx`,
    data: { ...valid, factor, slug, lab },
  });

  it('accepts one chapter per factor', () => {
    expect(checkCourse([chapter(3, 'config', '03-config'), chapter(6, 'processes', '06-processes')])).toEqual([]);
  });

  it('refuses a factor claimed twice, naming the other chapter', () => {
    const twin = { ...chapter(3, 'settings'), file: 'content/chapters/03-settings.mdx' };
    expect(formatProblems(checkCourse([chapter(3, 'config'), twin]))).toBe(
      'content/chapters/03-settings.mdx: factor: 3 is already the factor of content/chapters/03-config.mdx; each factor has one chapter. Fix the number in one of them.',
    );
  });

  it('refuses a lab shared by two chapters', () => {
    expect(formatProblems(checkCourse([chapter(3, 'config', '03-config'), chapter(4, 'backing-services', '03-config')]))).toContain(
      'content/chapters/04-backing-services.mdx: lab: "03-config" is already the lab of content/chapters/03-config.mdx',
    );
  });
});
