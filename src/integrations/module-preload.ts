/**
 * After `astro build`: each page's module scripts and their static imports get a
 * `<link rel="modulepreload">` in the head. Astro writes a page's scripts where their components render
 * (the chapter's progress script at the end of the body) and the browser finds a module's own imports only
 * once that module has arrived: a round trip per level. Preloading them all from the head fetches the
 * page's script graph at once, in parallel with the HTML. Dynamic `import()`s are left alone: they are
 * what the page loads later (the lab workspace) and must cost nothing at load.
 */
import type { AstroIntegration } from 'astro';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = /<script\b[^>]*\btype="module"[^>]*\bsrc="(\/[^"]+)"[^>]*>/g;
/** `import … from "x"` and bare `import "x"` at statement start; never `import("x")`. */
const STATIC_IMPORT = /(?:^|[;\n}])\s*import\s*(?:[^'"()]*?from\s*)?["']([^"']+)["']/g;

/** The module URLs a page loads eagerly: its module scripts, then their static imports, in order found. */
export async function eagerModules(html: string, read: (url: string) => Promise<string | undefined>): Promise<string[]> {
  const found: string[] = [];
  const queue = [...html.matchAll(SCRIPT)].map((m) => m[1]!);
  while (queue.length) {
    const url = queue.shift()!;
    if (found.includes(url)) continue;
    found.push(url);
    const code = await read(url);
    if (code === undefined) continue;
    for (const m of code.matchAll(STATIC_IMPORT)) {
      const dep = new URL(m[1]!, `http://site${url}`).pathname;
      if (!found.includes(dep)) queue.push(dep);
    }
  }
  return found;
}

/** The page with a modulepreload link per eager module, before `</head>`; unchanged when there are none. */
export function withPreloads(html: string, modules: string[]): string {
  const fresh = modules.filter((url) => !html.includes(`rel="modulepreload" href="${url}"`));
  if (fresh.length === 0) return html;
  const links = fresh.map((url) => `<link rel="modulepreload" href="${url}">`).join('');
  return html.replace('</head>', `${links}</head>`);
}

async function* htmlFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* htmlFiles(path);
    else if (entry.name.endsWith('.html')) yield path;
  }
}

export function modulePreload(): AstroIntegration {
  return {
    name: 'twelve-factor-labs:module-preload',
    hooks: {
      'astro:build:done': async ({ dir, logger }) => {
        const root = fileURLToPath(dir);
        const cache = new Map<string, Promise<string | undefined>>();
        const read = (url: string): Promise<string | undefined> => {
          let code = cache.get(url);
          if (!code) cache.set(url, (code = readFile(join(root, url), 'utf8').catch(() => undefined)));
          return code;
        };
        let pages = 0;
        for await (const file of htmlFiles(root)) {
          const html = await readFile(file, 'utf8');
          const next = withPreloads(html, await eagerModules(html, read));
          if (next !== html) (await writeFile(file, next), pages++);
        }
        logger.info(`module scripts preloaded from the head of ${pages} pages`);
      },
    },
  };
}
