/**
 * The chapters collection's loader: Astro's `glob()` with the course's own validation in front, so a
 * broken chapter fails the build with `file: field: what to do` instead of a generic schema dump,
 * and the cross-chapter rules (one chapter per factor, labs that exist) are enforced on every load.
 */
import { existsSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glob } from 'astro/loaders';
import type { Loader, LoaderContext } from 'astro/loaders';
import { checkChapter, checkCourse, type CheckedChapter } from './chapter-checks.ts';
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
      let collecting = true;
      const collected: Problem[] = [];
      const parseData: LoaderContext['parseData'] = async (props) => {
        const file = rel(props.filePath ?? props.id);
        const result = checkChapter(file, props.data, labsOnDisk(root));
        if ('problems' in result) {
          // On the first load, gather every file's problems into one report; on a dev-server edit, fail now.
          if (!collecting) throw new ContentError(result.problems);
          collected.push(...result.problems);
          return props.data;
        }
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
      const valid: CheckedChapter[] = [];
      const seen = new Set(collected.map((p) => p.file));
      for (const entry of context.store.values()) {
        const file = entry.filePath ?? entry.id;
        if (seen.has(file)) continue;
        const result = checkChapter(file, entry.data, labs);
        if ('problems' in result) collected.push(...result.problems);
        else valid.push({ file, data: result.data });
      }
      collected.push(...checkCourse(valid));
      if (!collected.length) return;
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
