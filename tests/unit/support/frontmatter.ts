/** Reads a chapter's frontmatter in the plain form the course writes: `key: value` and `- item` lists. */
export function parseFrontmatter(text: string): Record<string, unknown> {
  const body = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1];
  if (body === undefined) throw new Error('no frontmatter between "---" lines');
  const data: Record<string, unknown> = {};
  let list: string[] | undefined;
  for (const line of body.split('\n')) {
    const item = /^\s+-\s+(.*)$/.exec(line);
    if (item && list) {
      list.push(item[1] as string);
      continue;
    }
    const pair = /^([a-z]+):\s*(.*)$/.exec(line);
    if (!pair) continue;
    const [, key, value] = pair as unknown as [string, string, string];
    if (value === '') data[key] = list = [];
    else {
      list = undefined;
      data[key] = /^\d+$/.test(value) ? Number(value) : value.replace(/^(["'])(.*)\1$/, '$2');
    }
  }
  return data;
}
