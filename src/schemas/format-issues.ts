/**
 * The one place validation problems become text. Every message reads
 * `<file>: <field>: <what is wrong and what to do>`, so an author can jump straight to the line.
 */
import type { z } from 'astro/zod';

export interface Problem {
  /** Path relative to the project root, e.g. `content/chapters/03-config.mdx`. */
  file: string;
  /** Dotted field path (`objectives[2]`), or several names joined by ", ", or "(frontmatter)". */
  field: string;
  message: string;
}

/** Thrown when content cannot be built; `problems` keeps the structure for tests and tooling. */
export class ContentError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(formatProblems(problems));
    this.name = 'ContentError';
    this.problems = problems;
  }
}

export interface IssueOptions {
  /** What to call the document itself when an issue has no field: "(frontmatter)" (the default) for chapters, "(top level)" for a JSON file. */
  root?: string;
}

function fieldPath(path: readonly PropertyKey[], root: string): string {
  if (path.length === 0) return root;
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}

/** Short, quoted rendering of what the author wrote, so the message shows the bad value. */
function shown(input: unknown): string {
  const text = JSON.stringify(input);
  if (text === undefined) return String(input);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Issues must come from a parse with `reportInput: true` for the author's value to be quoted. */
export function issuesToProblems(file: string, issues: readonly z.core.$ZodIssue[], { root = '(frontmatter)' }: IssueOptions = {}): Problem[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { file, field: fieldPath([...issue.path, issue.keys.join(', ')], root), message: issue.message };
    }
    const got = 'input' in issue && issue.input !== undefined ? ` (found ${shown(issue.input)})` : '';
    return { file, field: fieldPath(issue.path, root), message: `${issue.message}${got}` };
  });
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.file}: ${p.field}: ${p.message}`).join('\n');
}
