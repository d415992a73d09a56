/**
 * In `astro dev`, a broken chapter shows in the browser, not only in the terminal: the chapters' loader
 * publishes its problems (src/schemas/content-problems.ts) and this integration sends them to Vite's error
 * overlay, on every change and to every page that connects while they last. When they are fixed, open
 * pages reload. `astro build` never calls this hook; the build fails with the same messages instead.
 */
import type { AstroIntegration } from 'astro';
import type { HotPayload, ViteDevServer } from 'vite';
import { currentContentProblems, onContentProblems } from '../schemas/content-problems.ts';
import { formatProblems, type Problem } from '../schemas/format-issues.ts';

/**
 * The overlay's payload. Astro's overlay renders `message` and `hint` as Markdown and links `loc.file` to
 * the editor; `name` is its title.
 */
export function overlayPayload(problems: readonly Problem[], root?: string): { type: 'error'; err: Record<string, unknown> } {
  const first = problems[0];
  const files = new Set(problems.map((p) => p.file));
  return {
    type: 'error',
    err: {
      name: files.size === 1 ? 'A chapter is left out until it is fixed' : `${files.size} chapters are left out until they are fixed`,
      message: formatProblems(problems).split('\n').join('\n\n'),
      hint: `Fix ${files.size === 1 ? 'the file' : 'the files'} and save; this page reloads once the course is whole again.`,
      stack: '',
      plugin: 'twelve-factor-labs:chapters',
      ...(first && root ? { id: `${root}/${first.file}`, loc: { file: `${root}/${first.file}`, line: 1, column: 1 } } : {}),
    },
  };
}

export function contentOverlay(): AstroIntegration {
  return {
    name: 'twelve-factor-labs:content-overlay',
    hooks: {
      'astro:server:setup': ({ server }) => attach(server),
    },
  };
}

function attach(server: ViteDevServer): void {
  const hot = server.environments.client.hot;
  const root = server.config.root;
  let showing = currentContentProblems().length > 0;
  // A page opened while a problem lasts gets it as soon as its client connects.
  hot.on('vite:client:connect', (_payload, client) => {
    const problems = currentContentProblems();
    if (problems.length) client.send(overlayPayload(problems, root) as HotPayload);
  });
  const stop = onContentProblems((problems) => {
    if (problems.length) {
      showing = true;
      hot.send(overlayPayload(problems, root) as HotPayload);
    } else if (showing) {
      showing = false;
      hot.send({ type: 'full-reload' });
    }
  });
  server.httpServer?.once('close', stop);
}
