import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labStories } from '../../e2e/support/lab-stories.ts';
import { chapters } from '../../e2e/support/chapters.ts';
import { listLabIds } from '../../../src/lab-model/index.ts';

let root = '';
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = '';
});

describe('stories for every lab', () => {
  it('gives every lab of the course a story: its own, or the generic one', async () => {
    const { generic, own } = labStories(process.cwd(), chapters.flatMap((c) => (c.lab ? [c.lab] : [])));
    expect([...generic, ...own].sort()).toEqual(await listLabIds());
    expect(own).toContain('03-config');
  });

  it('picks up a new lab without editing a test, and leaves it to its own story once it has one', async () => {
    root = await mkdtemp(join(tmpdir(), 'stories-'));
    const lab = async (id: string) => {
      await mkdir(join(root, 'labs', id), { recursive: true });
      await writeFile(join(root, 'labs', id, 'lab.json'), '{}');
    };
    await lab('03-config');
    await lab('12-admin-processes');
    await mkdir(join(root, 'labs', '_kit'), { recursive: true });
    await mkdir(join(root, 'labs', '07-draft'), { recursive: true }); // no lab.json yet
    await mkdir(join(root, 'tests/e2e/labs'), { recursive: true });
    await writeFile(join(root, 'tests/e2e/labs/03-config.spec.ts'), '');
    const chapterLabs = ['03-config', '12-admin-processes', '07-draft'];
    expect(labStories(root, chapterLabs)).toEqual({ generic: ['12-admin-processes'], own: ['03-config'] });
    await writeFile(join(root, 'tests/e2e/labs/12-admin-processes.spec.ts'), '');
    expect(labStories(root, chapterLabs)).toEqual({ generic: [], own: ['03-config', '12-admin-processes'] });
    // A lab no chapter points at has no page, so no story yet.
    expect(labStories(root, ['03-config']).generic).toEqual([]);
  });
});
