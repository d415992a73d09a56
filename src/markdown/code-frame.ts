/**
 * A Shiki transformer that frames every code block in a figure with a bar: the file name from a
 * `title="app.js"` meta (or the language when there is none) and a copy button that a small inline
 * script brings to life (see CopyCodeScript.astro). Rendered at build time, so no layout shifts later.
 */
import type { Element, ElementContent, Root } from 'hast';
import type { ShikiTransformer } from 'shiki';

const LANGUAGE_NAMES: Record<string, string> = {
  sh: 'Terminal', bash: 'Terminal', shell: 'Terminal', shellsession: 'Terminal', console: 'Terminal',
  js: 'JavaScript', mjs: 'JavaScript', javascript: 'JavaScript', ts: 'TypeScript', typescript: 'TypeScript',
  json: 'JSON', yaml: 'YAML', yml: 'YAML', dockerfile: 'Dockerfile', ini: 'Config', dotenv: 'Config',
  text: 'Text', txt: 'Text', plaintext: 'Text', http: 'HTTP', diff: 'Diff', md: 'Markdown', mdx: 'MDX',
};

/** Reads `title="…"` (or `title='…'`) from a code fence's meta string. */
export function titleFromMeta(meta: string | undefined): string | undefined {
  const match = /(?:^|\s)title=(?:"([^"]*)"|'([^']*)')/.exec(meta ?? '');
  const title = (match?.[1] ?? match?.[2])?.trim();
  return title || undefined;
}

const text = (value: string): ElementContent => ({ type: 'text', value });
const el = (tagName: string, properties: Element['properties'], children: ElementContent[]): Element => ({
  type: 'element', tagName, properties, children,
});

export function codeFrame(): ShikiTransformer {
  return {
    name: 'twelve-factor-labs:code-frame',
    pre(node) {
      // The block scrolls sideways on narrow screens, so keyboard users must be able to focus it.
      node.properties['tabindex'] = '0';
    },
    root(root: Root): Root {
      const pre = root.children.find((child): child is Element => child.type === 'element' && child.tagName === 'pre');
      if (!pre) return root;
      const title = titleFromMeta(this.options.meta?.__raw);
      const lang = this.options.lang.toLowerCase();
      const label = title ?? LANGUAGE_NAMES[lang] ?? lang;
      if (title) pre.properties['aria-label'] = `Code: ${title}`;
      const bar = el('div', { className: ['code-frame-bar'] }, [
        el('span', { className: ['code-frame-title'], dataKind: title ? 'file' : 'language' }, [text(label)]),
        el('button', { type: 'button', className: ['code-copy'], dataCopy: '', ariaLabel: title ? `Copy ${title}` : 'Copy code' }, [
          text('Copy'),
        ]),
      ]);
      return { type: 'root', children: [el('figure', { className: ['code-frame'] }, [bar, pre])] };
    },
  };
}
