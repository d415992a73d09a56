import { codeToHtml } from 'shiki';
import { describe, expect, it } from 'vitest';
import { codeFrame, titleFromMeta } from '../../../src/markdown/code-frame.ts';

const render = (code: string, lang: string, meta?: string) =>
  codeToHtml(code, {
    lang,
    themes: { light: 'github-light-default', dark: 'github-dark-default' },
    defaultColor: false,
    transformers: [codeFrame()],
    ...(meta ? { meta: { __raw: meta } } : {}),
  });

describe('titleFromMeta', () => {
  it.each([
    ['title="app.js"', 'app.js'],
    ["title='config.js' {2}", 'config.js'],
    ['{1-3} title="labs/03-config/lab.json"', 'labs/03-config/lab.json'],
  ])('reads %s', (meta, title) => expect(titleFromMeta(meta)).toBe(title));

  it.each([undefined, '', 'title=""', 'subtitle="x"', 'title=app.js'])('finds no title in %s', (meta) => {
    expect(titleFromMeta(meta)).toBeUndefined();
  });
});

describe('code frames', () => {
  it('puts the file name and a copy button above a titled block', async () => {
    const html = await render('const port = process.env.PORT;', 'js', 'title="config.js"');
    expect(html).toMatch(/^<figure class="code-frame"><div class="code-frame-bar">/);
    expect(html).toContain('<span class="code-frame-title" data-kind="file">config.js</span>');
    expect(html).toContain('<button type="button" class="code-copy" data-copy="" aria-label="Copy config.js">Copy</button>');
    expect(html).toContain('aria-label="Code: config.js"');
  });

  it('names the language when there is no title, and keeps the block focusable for scrolling', async () => {
    const html = await render('npm test', 'sh');
    expect(html).toContain('data-kind="language">Terminal</span>');
    expect(html).toMatch(/<pre[^>]*tabindex="0"/);
  });

  it('leaves both palettes to CSS variables so the theme switch needs no re-render', async () => {
    const html = await render('const a = 1;', 'js');
    expect(html).toContain('--shiki-light:');
    expect(html).toContain('--shiki-dark:');
  });
});
