/** The build step that preloads each page's eager module graph from the head. */
import { describe, expect, it } from 'vitest';
import { eagerModules, withPreloads } from '../../../src/integrations/module-preload.ts';

const files: Record<string, string> = {
  '/_astro/page.js': 'import{a as t}from"./progress.js";import"./style.js";const m=()=>import("./mount.js");',
  '/_astro/progress.js': 'import{b}from"./shared.js";export const a=1;',
  '/_astro/style.js': '',
  '/_astro/shared.js': 'export const b=2;',
  '/_astro/mount.js': 'import{c}from"./editor.js";',
};
const read = async (url: string): Promise<string | undefined> => files[url];

describe('module preloads', () => {
  it('follow static imports from each module script, never dynamic ones', async () => {
    const html = '<html><head></head><body><script type="module" src="/_astro/page.js"></script></body></html>';
    expect(await eagerModules(html, read)).toEqual(['/_astro/page.js', '/_astro/progress.js', '/_astro/style.js', '/_astro/shared.js']);
  });

  it('go before </head>, once each, and leave a page without module scripts alone', async () => {
    const html = '<html><head><title>x</title></head><body><script type="module" src="/_astro/page.js"></script></body></html>';
    const once = withPreloads(html, await eagerModules(html, read));
    expect(once).toContain('<link rel="modulepreload" href="/_astro/shared.js"></head>');
    expect(withPreloads(once, await eagerModules(once, read))).toBe(once);
    const plain = '<html><head></head><body><script>1</script></body></html>';
    expect(withPreloads(plain, await eagerModules(plain, read))).toBe(plain);
  });
});
