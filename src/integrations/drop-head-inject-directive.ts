/**
 * Removes the `"use astro:head-inject";` directive from the modules Astro generates for each MDX chapter
 * (`…mdx?astroPropagatedAssets`, astro/dist/content/vite-plugin-content-assets.js). Nothing reads that
 * directive any more — Astro finds head propagation by the `astroPropagatedAssets` flag in the module id
 * (astro/dist/vite-plugin-head) — but Rolldown warns for each one that a module-level directive may not
 * survive bundling: twelve MODULE_LEVEL_DIRECTIVE warnings, ninety lines, on every build, hiding real ones.
 * Upstream: withastro/astro#18087. Remove this plugin once Astro stops emitting the directive.
 */
import type { Plugin } from 'vite';

const DIRECTIVE = /^\s*["']use astro:head-inject["'];?[ \t]*$/m;

export function dropHeadInjectDirective(): Plugin {
  return {
    name: 'twelve-factor-labs:drop-head-inject-directive',
    enforce: 'post',
    transform(code, id) {
      if (!id.endsWith('?astroPropagatedAssets') || !DIRECTIVE.test(code)) return null;
      return { code: code.replace(DIRECTIVE, ''), map: null };
    },
  };
}
