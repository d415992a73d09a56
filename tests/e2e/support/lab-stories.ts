/**
 * Which labs get the generic story (tests/e2e/lab-reference-labs.spec.ts): every lab on disk that has a
 * lab.json and a chapter pointing at it (so it has a page), except those that tell their own story in
 * tests/e2e/labs/<id>.spec.ts. A new lab is covered by being added, without editing any test.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const LAB_ID = /^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface StoryPlan {
  /** Labs the generic story covers. */
  generic: string[];
  /** Labs with a story file of their own. */
  own: string[];
}

/** `root` is the repository root; `chapterLabs` the lab ids the chapters point at. */
export function labStories(root: string, chapterLabs: readonly string[]): StoryPlan {
  const labsDir = join(root, 'labs');
  const labs = readdirSync(labsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && LAB_ID.test(e.name) && existsSync(join(labsDir, e.name, 'lab.json')) && chapterLabs.includes(e.name))
    .map((e) => e.name)
    .sort();
  const hasOwn = (id: string): boolean => existsSync(join(root, 'tests/e2e/labs', `${id}.spec.ts`));
  return { generic: labs.filter((id) => !hasOwn(id)), own: labs.filter(hasOwn) };
}
