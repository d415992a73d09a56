// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { codeFrame } from './src/markdown/code-frame.ts';
import { devRunner } from './src/integrations/dev-runner.ts';
import { contentOverlay } from './src/integrations/content-overlay.ts';
import { dropHeadInjectDirective } from './src/integrations/drop-head-inject-directive.ts';
import { modulePreload } from './src/integrations/module-preload.ts';

export default defineConfig({
  site: process.env.SITE_URL || 'http://127.0.0.1:4321',
  // devRunner acts only in `astro dev`: the labs run on the local runner there, as under `npm start`.
  // contentOverlay too: a broken chapter shows in the browser's error overlay.
  integrations: [mdx(), devRunner(), contentOverlay(), modulePreload()],
  // Chapter URLs end in a slash (`/factors/03-config/`), the shape static hosts serve without rewrites.
  trailingSlash: 'ignore',
  // Stylesheets inline into each page: no request stands between the HTML and its first paint.
  build: { format: 'directory', inlineStylesheets: 'always' },
  vite: {
    // Astro's generated chapter modules carry a directive nothing reads; Rolldown warns about each one.
    plugins: [dropHeadInjectDirective()],
    // Pre-bundle the lab workspace's dependencies when `astro dev` starts. Discovered later, on the first
    // lab load, they make Vite re-optimise and reload the page mid-load.
    optimizeDeps: {
      include: [
        '@codemirror/commands', '@codemirror/language', '@codemirror/legacy-modes/mode/javascript',
        '@codemirror/legacy-modes/mode/properties', '@codemirror/merge', '@codemirror/search', '@codemirror/state',
        '@codemirror/view', '@lezer/highlight', '@xterm/addon-fit', '@xterm/addon-web-links', '@xterm/xterm',
        'fflate', 'nanostores', '@webcontainer/api',
      ],
    },
  },
  markdown: {
    shikiConfig: {
      // Both palettes ship as CSS variables; src/styles/prose.css picks one from `data-theme`.
      themes: { light: 'github-light-default', dark: 'github-dark-default' },
      defaultColor: false,
      langAlias: { dotenv: 'ini' },
      transformers: [codeFrame()],
    },
  },
});
