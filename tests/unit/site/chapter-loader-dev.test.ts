// The chapters' loader in `astro dev`, driven by a fake content layer around Astro's real glob() loader:
// the cross-chapter rules run on every save, name both files, and keep the established chapter.
import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chapterLoader } from '../../../src/schemas/chapter-loader.ts';
import { currentContentProblems, onContentProblems } from '../../../src/schemas/content-problems.ts';
import { formatProblems, type Problem } from '../../../src/schemas/format-issues.ts';
import { overlayPayload } from '../../../src/integrations/content-overlay.ts';
import { parseFrontmatter } from '../support/frontmatter.ts';

let root = '';
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = '';
});

const chapter = (factor: number, slug: string, lab?: string) => `---
factor: ${factor}
slug: ${slug}
title: Chapter ${slug}
summary: One line saying what the factor asks of the app, long enough.
objectives:
  - Explain what this chapter teaches in a sentence.
  - Apply it to the visitor counter in the lab.
minutes: 20
${lab ? `lab: ${lab}\n` : ''}---

Text.
`;

interface Entry { id: string; data: Record<string, unknown>; filePath?: string }

/** Astro's content store, the part the loaders use; it outlives a loader, as the real one outlives a restart. */
function store() {
  const entries = new Map<string, Entry>();
  return {
    keys: () => entries.keys(),
    values: () => entries.values(),
    entries: () => entries.entries(),
    get: (id: string) => entries.get(id),
    has: (id: string) => entries.has(id),
    set: (entry: Entry) => void entries.set(entry.id, entry),
    delete: (id: string) => void entries.delete(id),
    addModuleImport: () => undefined,
    addAssetImports: () => undefined,
  };
}

async function course(files: Record<string, string>, labs: Record<string, number>): Promise<URL> {
  root = await mkdtemp(join(tmpdir(), 'dev-chapters-'));
  await mkdir(join(root, 'content/chapters'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, 'content/chapters', name), text);
  for (const [id, factor] of Object.entries(labs)) {
    await mkdir(join(root, 'labs', id), { recursive: true });
    await writeFile(join(root, 'labs', id, 'lab.json'), JSON.stringify({ id, factor }));
  }
  return pathToFileURL(`${root}/`);
}

function devLoad(rootUrl: URL, contentStore: ReturnType<typeof store>) {
  const watcher = Object.assign(new EventEmitter(), { add: () => undefined });
  const errors: string[] = [];
  const context = {
    collection: 'chapters',
    config: { root: rootUrl, srcDir: new URL('src/', rootUrl) },
    logger: { info: () => undefined, warn: () => undefined, error: (m: string) => errors.push(m), debug: () => undefined },
    watcher,
    store: contentStore,
    meta: new Map(),
    parseData: async ({ data }: { data: unknown }) => data,
    generateDigest: (text: string) => String(text.length) + text.slice(0, 40),
    entryTypes: new Map([['.mdx', { getEntryInfo: ({ contents }: { contents: string }) => ({ data: parseFrontmatter(contents), body: '' }) }]]),
  };
  const loader = chapterLoader({ base: './content/chapters' });
  return { watcher, errors, loaded: loader.load(context as never) };
}

/** Resolves with the next problems the loader publishes. */
const nextProblems = (): Promise<readonly Problem[]> => new Promise((resolve) => {
  const stop = onContentProblems((problems) => {
    stop();
    resolve(problems);
  });
});

describe('chapters in astro dev', () => {
  it('reports a second chapter for a factor on save, naming both files, and keeps the established one — across a restart too', async () => {
    const rootUrl = await course({ '03-config.mdx': chapter(3, 'config', '03-config') }, { '03-config': 3, '03-copy': 3 });
    const contentStore = store();
    const first = devLoad(rootUrl, contentStore);
    await first.loaded;
    expect(currentContentProblems()).toEqual([]);

    // A copy whose name sorts before the original: by name alone it would win.
    const copy = join(root, 'content/chapters/03-a-copy.mdx');
    await writeFile(copy, chapter(3, 'a-copy', '03-copy'));
    const reported = nextProblems();
    first.watcher.emit('add', copy);
    const problems = await reported;
    expect(formatProblems(problems)).toBe(
      'content/chapters/03-a-copy.mdx: factor: 3 is already the factor of content/chapters/03-config.mdx; each factor has one chapter. Fix the number in one of them.',
    );
    expect([...contentStore.keys()]).toEqual(['03-config']);
    // The overlay names every problem and the file to open.
    expect(overlayPayload(problems, root).err).toMatchObject({ name: 'A chapter is left out until it is fixed', loc: { file: `${root}/content/chapters/03-a-copy.mdx` } });

    // The dev server restarts: the store kept the established chapter, so the copy is still the one left out.
    const second = devLoad(rootUrl, contentStore);
    await second.loaded;
    expect(formatProblems(currentContentProblems())).toContain('content/chapters/03-a-copy.mdx: factor: 3 is already the factor of content/chapters/03-config.mdx');
    expect([...contentStore.keys()]).toEqual(['03-config']);

    // Deleting the copy clears the overlay.
    const cleared = nextProblems();
    await rm(copy);
    second.watcher.emit('unlink', copy);
    expect(await cleared).toEqual([]);
  });

  it('reports on save a chapter pointing at a lab of another factor, naming the lab.json', async () => {
    const rootUrl = await course({ '03-config.mdx': chapter(3, 'config', '03-config'), '04-backing-services.mdx': chapter(4, 'backing-services', '04-backing-services') }, { '03-config': 3, '04-backing-services': 4 });
    const contentStore = store();
    const dev = devLoad(rootUrl, contentStore);
    await dev.loaded;
    const file = join(root, 'content/chapters/04-backing-services.mdx');
    await writeFile(file, chapter(4, 'backing-services', '03-config'));
    const reported = nextProblems();
    dev.watcher.emit('change', file);
    expect(formatProblems(await reported)).toBe(
      'content/chapters/04-backing-services.mdx: lab: "03-config" teaches factor 3 (labs/03-config/lab.json), but this chapter is factor 4. Point the chapter at a lab of its own factor, or fix "factor" in that lab.json.',
    );
  });
});
