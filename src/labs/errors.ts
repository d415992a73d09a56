import type { z } from 'astro/zod';

/** A lab that cannot be loaded. `message` names the file, the field and what to do. */
export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

/**
 * Turns zod issues into one message per problem, each starting with the file and the field, e.g.
 * `labs/03-config/lab.json: factor: expected a number from 1 to 12, got 13`.
 * Schemas carry their own "what to do" in custom messages; this helper only adds the where.
 */
export function describeIssues(file: string, error: z.ZodError): string {
  return error.issues.map((issue) => `${file}: ${fieldPath(issue.path)}: ${issue.message}`).join('\n');
}
