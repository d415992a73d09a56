/** The chapters as the content files declare them, so tests follow the course rather than a copy of it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ChapterRef {
  id: string;
  factor: number;
  title: string;
  url: string;
  lab?: string;
}

const dir = join(import.meta.dirname, '../../../content/chapters');

function field(frontmatter: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(frontmatter);
  return match?.[1]?.trim().replace(/^["']|["']$/g, '');
}

export const chapters: ChapterRef[] = readdirSync(dir)
  .filter((f) => /^\d\d-.+\.mdx$/.test(f))
  .sort()
  .map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const frontmatter = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
    const id = file.replace(/\.mdx$/, '');
    const lab = field(frontmatter, 'lab');
    return {
      id,
      factor: Number(field(frontmatter, 'factor')),
      title: field(frontmatter, 'title') ?? id,
      url: `/factors/${id}/`,
      ...(lab ? { lab } : {}),
    };
  });
