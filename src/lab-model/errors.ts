import type { z } from 'astro/zod';
import { formatProblems, issuesToProblems, type Problem } from '../schemas/format-issues.ts';

/** Lab files are JSON documents, so a problem with the whole document is placed at its top level. */
export const TOP_LEVEL = '(top level)';

/**
 * A lab that cannot be loaded. `message` reads `<file>: <field>: <what is wrong and what to do>`, the
 * same shape as the site's content errors because both go through `src/schemas/format-issues.ts`;
 * `problems` keeps the structure for tools (empty for errors that concern no single file).
 */
export class LabError extends Error {
  readonly problems: readonly Problem[];
  constructor(message: string, problems: readonly Problem[] = []) {
    super(message);
    this.name = 'LabError';
    this.problems = problems;
  }

  /** One problem with one field of one lab file. */
  static at(file: string, field: string, message: string): LabError {
    return LabError.of([{ file, field, message }]);
  }

  /** Every issue of a failed parse; parse with `reportInput: true` so the message quotes the bad value. */
  static fromIssues(file: string, error: z.ZodError): LabError {
    return LabError.of(issuesToProblems(file, error.issues, { root: TOP_LEVEL }));
  }

  private static of(problems: readonly Problem[]): LabError {
    return new LabError(formatProblems(problems), problems);
  }
}
