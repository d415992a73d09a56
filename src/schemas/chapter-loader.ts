/**
 * The chapters collection's loader: Astro's `glob()` with the course's own validation in front, so a
 * broken chapter fails the build with `file: field: what to do` instead of a generic schema dump,
 * and the cross-chapter rules (one chapter per factor, one chapter per lab, a lab of the chapter's own
 * factor) are enforced on every load, and in `astro dev` on every save of a chapter too.
 *
 * When two chapters clash, the established one stays and the newcomer is left out: established means
 * already in Astro's content store (which outlives a dev-server restart), then the file created first,
 * then file-name order. In dev the problems go to the browser's error overlay as well
 * (content-problems.ts → src/integrations/content-overlay.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glob } from 'astro/loaders';
import type { Loader, LoaderContext } from 'astro/loaders';
import { checkChapter, checkCourse, type CheckedChapter } from './chapter-checks.ts';
import { publishContentProblems } from './content-problems.ts';
import { ContentError, type Problem } from './format-issues.ts';
import { LAB_ID } from './chapter.ts';

/** Lab ids that have a manifest, read fresh on every load so a new lab is picked up without a restart. */
export function labsOnDisk(root: URL): string[] {
  const dir = new URL('labs/', root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && LAB_ID.test(d.name) && existsSync(new URL(`${d.name}/lab.json`, dir)))
    .map((d) => d.name)
    .sort();
}

/** The factor a lab's lab.json declares, for the rule that a chapter's lab teaches the chapter's factor. */
export function labFactorsOnDisk(root: URL): (lab: string) => number | undefined {
  const dir = fileURLToPath(new URL('labs/', root));
  return (lab) => {
    try {
      const factor = (JSON.parse(readFileSync(join(dir, lab, 'lab.json'), 'utf8')) as { factor?: unknown }).factor;
      return typeof factor === 'number' ? factor : undefined;
    } catch {
      return undefined; // a broken lab.json is the lab loader's to report
    }
  };
}

/** When a file came to be: its creation time where the file system records one, else its last change. */
function bornAt(path: string): number {
  try {
    const stats = statSync(path);
    return stats.birthtimeMs || stats.mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export function chapterLoader(options: { base: string }): Loader {
  const inner = glob({
    base: options.base,
    pattern: '*.mdx',
    // The id is the file name (`03-config`), which is also the page URL; the default would take `slug`.
    generateId: ({ entry }) => entry.replace(/\.mdx$/, ''),
  });
  return {
    name: 'chapter-loader',
    load: async (context: LoaderContext) => {
      const root = context.config.root;
      const rel = (path: string) => relative(fileURLToPath(root), path).split('\\').join('/');
      const abs = (file: string) => fileURLToPath(new URL(file, root));
      // Chapters the store held before this load (kept from the last run of the dev server) are established.
      const before = new Set(context.store.keys());
      const rank = (chapter: { id: string; file: string }): [number, number, string] => [before.has(chapter.id) ? 0 : 1, bornAt(abs(chapter.file)), chapter.file];
      const byEstablishment = <T extends { id: string; file: string }>(chapters: T[]): T[] =>
        [...chapters].sort((a, b) => {
          const [x, y] = [rank(a), rank(b)];
          return x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]);
        });
      const labFactor = labFactorsOnDisk(root);
      // Chapters left out in dev, by file: what is wrong with each. Published to the error overlay.
      const rejected = new Map<string, Problem[]>();
      const publish = () => publishContentProblems([...rejected.values()].flat());

      let collecting = true;
      const collected: Problem[] = [];
      const parseData: LoaderContext['parseData'] = async (props) => {
        const file = rel(props.filePath ?? props.id);
        const result = checkChapter(file, props.data, labsOnDisk(root), labFactor);
        if (collecting) {
          // On the first load, gather every file's problems into one report.
          if ('problems' in result) {
            collected.push(...result.problems);
            return props.data;
          }
          return context.parseData(props);
        }
        // A save in `astro dev`: the chapter alone, then against the established chapters in the store.
        let problems = 'problems' in result ? result.problems : [];
        if ('data' in result) {
          const others = [...context.store.values()]
            .filter((entry) => entry.id !== props.id && !rejected.has(entry.filePath ?? entry.id))
            .map((entry) => ({ id: entry.id, file: entry.filePath ?? entry.id, data: entry.data as CheckedChapter['data'] }));
          problems = checkCourse([...byEstablishment(others), { file, data: result.data }]).filter((p) => p.file === file);
          // A clash leaves the newcomer out entirely, so pages never show two chapters of one factor.
          if (problems.length) context.store.delete(props.id);
        }
        if (problems.length) {
          rejected.set(file, problems);
          publish();
          throw new ContentError(problems);
        }
        if (rejected.delete(file)) publish();
        return context.parseData(props);
      };
      try {
        await inner.load({ ...context, parseData });
      } catch (cause) {
        const yaml = frontmatterSyntaxProblem(cause, rel);
        if (!yaml) throw cause;
        const error = new ContentError([yaml]);
        error.stack = '';
        throw error;
      }
      collecting = false;

      // Entries unchanged since the last build skip parseData, so the whole store is checked again here.
      const labs = labsOnDisk(root);
      const valid: (CheckedChapter & { id: string })[] = [];
      const seen = new Set(collected.map((p) => p.file));
      for (const entry of context.store.values()) {
        const file = entry.filePath ?? entry.id;
        if (seen.has(file)) continue;
        const result = checkChapter(file, entry.data, labs, labFactor);
        if ('problems' in result) collected.push(...result.problems);
        else valid.push({ id: entry.id, file, data: result.data });
      }
      collected.push(...checkCourse(byEstablishment(valid)));
      if (context.watcher) {
        // A chapter deleted in dev takes its problems with it.
        context.watcher.on('unlink', (path: string) => {
          if (rejected.delete(rel(path))) publish();
        });
      }
      if (!collected.length) {
        publish();
        return;
      }
      const error = new ContentError(collected);
      if (!context.watcher) {
        // The message already names each file and field; a stack into this loader would only distract.
        error.stack = '';
        throw error;
      }
      // The dev server would exit on a throw here; keep it running for the author, without the broken
      // chapters, and say what to fix. Saving the file loads it again.
      const broken = new Set(collected.map((p) => p.file));
      for (const entry of context.store.values()) {
        if (broken.has(entry.filePath ?? entry.id)) context.store.delete(entry.id);
      }
      for (const file of broken) rejected.set(file, collected.filter((p) => p.file === file));
      publish();
      context.logger.error(`These chapters are left out until they are fixed:\n${error.message}`);
    },
  };
}

/** A YAML syntax error in a chapter's frontmatter, restated in the course's `file: field: what to do` form. */
export function frontmatterSyntaxProblem(cause: unknown, rel: (path: string) => string): Problem | undefined {
  const error = cause as { name?: unknown; message?: unknown; reason?: unknown; mark?: { line?: number }; loc?: { file?: string; line?: number } };
  const fromYaml = error?.name === 'YAMLException' || typeof error?.reason === 'string' || /js-yaml/.test(String((cause as Error)?.stack));
  const file = error?.loc?.file;
  if (!fromYaml || !file) return undefined;
  const reason = String(error.reason ?? error.message ?? 'unreadable YAML').split('\n')[0];
  const line = error.loc?.line ?? (error.mark?.line !== undefined ? error.mark.line + 1 : undefined);
  return {
    file: rel(file),
    field: '(frontmatter)',
    message: `is not valid YAML${line ? ` near line ${line}` : ''} (${reason}). Check the quotes, colons and indentation between the two "---" lines; a value containing ": " or starting with a quote must be quoted as a whole.`,
  };
}
