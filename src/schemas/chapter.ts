/**
 * Chapter frontmatter (`content/chapters/NN-slug.mdx`). Every message here is read by an author
 * whose build just failed, so each says what is wrong and what to write instead.
 */
import { z } from 'astro/zod';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const LAB_ID = /^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The message for a field that is absent, or for one present with the wrong type. */
const missingOr = (missing: string, wrong: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? missing : wrong;

export const chapterSchema = z.strictObject(
  {
    /** The factor this chapter teaches, 1 to 12; orders the course and must be unique. */
    factor: z
      .number({ error: missingOr('is missing; add e.g. "factor: 3"', 'must be a whole number from 1 to 12, e.g. "factor: 3"') })
      .int('must be a whole number from 1 to 12, e.g. "factor: 3"')
      .min(1, 'must be a whole number from 1 to 12')
      .max(12, 'must be a whole number from 1 to 12; the course has twelve factors'),
    /** Kebab-case name of the factor; equals the file name after `NN-`, e.g. `config` in `03-config.mdx`. */
    slug: z
      .string({ error: missingOr('is missing; add the file name after "NN-", e.g. "slug: config"', 'must be text, e.g. "slug: config"') })
      .regex(KEBAB, 'must be kebab-case (lower-case words joined by "-"), e.g. "backing-services"'),
    /** The factor's name as a heading, e.g. "Config". */
    title: z
      .string({ error: missingOr('is missing; add the factor name, e.g. "title: Config"', 'must be text, e.g. "title: Config"') })
      .trim()
      .min(1, 'is empty; give the factor name, e.g. "title: Config"')
      .max(60, 'is longer than 60 characters; headings and cards need a short name'),
    /** One line shown on the landing card and in search results: at most 160 characters, no line breaks. */
    summary: z
      .string({ error: missingOr('is missing; add one sentence saying what the factor asks for', 'must be one line of text') })
      .trim()
      .min(20, 'is too short; write one sentence (20–160 characters) saying what the factor asks for')
      .max(160, 'is longer than 160 characters; cut it to one line, the details belong in the chapter')
      .refine((s) => !/[\r\n]/.test(s), 'spans several lines; write it as one line'),
    /** What the learner can do after the chapter, 2 to 5 short sentences starting with a verb. */
    objectives: z
      .array(z.string({ error: 'must be text' }).trim().min(10, 'is too short; start with a verb and say what the learner can do'), {
        error: missingOr('is missing; add a list of 2 to 5 objectives ("- Explain …")', 'must be a list ("- Explain …"), not a single line'),
      })
      .min(2, 'needs at least 2 entries; say what the learner will be able to do')
      .max(5, 'has more than 5 entries; keep the ones that matter most'),
    /** Estimated minutes to read the chapter and finish its lab. */
    minutes: z
      .number({ error: missingOr('is missing; add an estimate, e.g. "minutes: 25"', 'must be a whole number of minutes, e.g. "minutes: 25"') })
      .int('must be a whole number of minutes, e.g. "minutes: 25"')
      .positive('must be more than 0')
      .max(240, 'is over four hours; split the chapter or check the estimate'),
    /** Id of the chapter's lab (a folder `labs/<id>/` with a `lab.json`): every chapter has one. */
    lab: z
      .string({ error: missingOr('is missing; every chapter has a lab: add its id, e.g. "lab: 03-config" (npm run new:lab -- NN-slug creates one)', 'must be a lab id such as "03-config"') })
      .regex(LAB_ID, 'must be a lab id such as "03-config": the two-digit factor and a kebab-case name'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeys(issue.keys) : undefined) },
);

export type ChapterData = z.infer<typeof chapterSchema>;

export const CHAPTER_FIELDS = ['factor', 'slug', 'title', 'summary', 'objectives', 'minutes', 'lab'] as const;

/** The formatter puts the unknown names where the field goes, so the message only says what to do. */
function unknownKeys(keys: readonly string[]): string {
  const one = keys.length === 1;
  return `${one ? 'is not a chapter field' : 'are not chapter fields'}; the fields are ${CHAPTER_FIELDS.join(', ')}. Check the spelling or remove ${one ? 'it' : 'them'}.`;
}
