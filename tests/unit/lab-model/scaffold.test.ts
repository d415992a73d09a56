import { afterEach, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLab } from '../../../src/lab-model/index.ts';
import { nextSteps, scaffoldLab } from '../../../src/lab-model/scaffold.ts';
import { verifyLabs } from '../../../src/lab-model/verify.ts';
import { checkChapter } from '../../../src/schemas/chapter-checks.ts';
import { parseFrontmatter } from '../support/frontmatter.ts';

let root = '';
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = '';
});

/** A copy of the course's labs (the base app, the kit, the Config lab) and chapters. */
async function course(): Promise<{ labsRoot: string; chaptersDir: string }> {
  root = await mkdtemp(join(tmpdir(), 'new-lab-'));
  for (const dir of ['_kit', '_base', '03-config']) await cp(join('labs', dir), join(root, 'labs', dir), { recursive: true });
  await cp('content/chapters', join(root, 'content/chapters'), { recursive: true });
  return { labsRoot: join(root, 'labs'), chaptersDir: join(root, 'content/chapters') };
}

describe('npm run new:lab', () => {
  it('creates a lab that loads, a chapter that points at it, and checks that fail only because they are stubs', async () => {
    const options = await course();
    const chapter = join(options.chaptersDir, '07-port-binding.mdx');
    await writeFile(chapter, (await readFile(chapter, 'utf8')).replace(/^lab: .*\n/m, ''));
    const { files } = await scaffoldLab('07-port-binding', options);
    expect(files.map((f) => f.replace(/^.*?(labs|content)\//, '$1/'))).toEqual([
      'labs/07-port-binding/lab.json',
      'labs/07-port-binding/check.mjs',
      'labs/07-port-binding/starter/config.js',
      'labs/07-port-binding/solution/config.js',
      'labs/07-port-binding/fixtures/first-mistake/fixture.json',
      'labs/07-port-binding/variants/another-way/variant.json',
      'content/chapters/07-port-binding.mdx',
    ]);
    const lab = await loadLab('07-port-binding', options.labsRoot);
    expect(lab.manifest).toMatchObject({ factor: 7, title: 'Port Binding', $schema: '../../src/lab-model/schemas/lab.schema.json' });
    expect(lab.fixtures[0]).toMatchObject({ name: 'first-mistake', rejectedBy: 'first-check' });
    expect(lab.fixtures[0]?.problem).toBeUndefined();
    expect(lab.variants[0]?.problem).toBeUndefined();
    const front = parseFrontmatter(await readFile(chapter, 'utf8'));
    expect(front['lab']).toBe('07-port-binding');
    expect(checkChapter('content/chapters/07-port-binding.mdx', front, ['03-config', '07-port-binding'])).toHaveProperty('data');

    // The stubs point at the page's real section and say which start fits which check.
    const check = await readFile(join(options.labsRoot, '07-port-binding', 'check.mjs'), 'utf8');
    expect(check).toContain('See "The checks" on the instructors');
    expect(check).toContain('Start it with t.startReady when an app that fails to start is simply broken');
    expect(check).toContain('with t.start, then app.waitForPort or app.waitForExit, when exiting is the very mistake');

    // labs:verify runs it, and says the checks are stubs.
    const reports = await verifyLabs(['07-port-binding'], { root: options.labsRoot, variants: ['starter', 'solution'] });
    expect(reports.find((r) => r.variant === 'starter')?.ok).toBe(true);
    const solution = reports.find((r) => r.variant === 'solution');
    expect(solution?.ok).toBe(false);
    expect(solution?.note).toMatch(/^the solution must pass every check; first-check: fail: first-check is not written yet: replace this stub in labs\/07-port-binding\/check\.mjs\.; second-check: fail: second-check is not written yet/);
  }, 120_000);

  it('prints the steps left, ending with the chapter\'s "What the lab will ask" section', () => {
    const steps = nextSteps('07-port-binding', 'content/chapters/07-port-binding.mdx').split('\n');
    expect(steps).toContain('  5. npm run check:lab -- 07-port-binding    type-checks check.mjs against the kit\'s API.');
    expect(steps).toContain('  7. content/chapters/07-port-binding.mdx: rewrite its "What the lab will ask" section to say what the checks verify.');
  });

  it('refuses an existing id, a factor that has a lab, a slug that is not the chapter’s, and a chapter with a lab', async () => {
    const options = await course();
    await expect(scaffoldLab('03-config', options)).rejects.toThrow(/labs\/03-config: \(folder\): lab "03-config" exists already; edit it, or pick another id\.$/);
    await expect(scaffoldLab('03-settings', options)).rejects.toThrow(/labs\/03-config: \(folder\): factor 3 already has the lab "03-config"; each factor has one lab\. Edit that one\.$/);
    await expect(scaffoldLab('07-ports', options)).rejects.toThrow(/content\/chapters\/07-port-binding\.mdx: slug: is "port-binding", but the lab id says "ports"; a lab is named after its chapter: npm run new:lab -- 07-port-binding\.$/);
    await expect(scaffoldLab('7-port-binding', options)).rejects.toThrow('"7-port-binding" is not a lab id: write the chapter\'s two-digit factor and its slug, e.g. npm run new:lab -- 07-port-binding.');
    await expect(scaffoldLab('13-extra', options)).rejects.toThrow('"13-extra": 13 is not a factor; the course has factors 01 to 12.');
    const chapter = join(options.chaptersDir, '08-concurrency.mdx');
    await writeFile(chapter, (await readFile(chapter, 'utf8')).replace(/^minutes: /m, 'lab: 08-elsewhere\nminutes: '));
    await expect(scaffoldLab('08-concurrency', options)).rejects.toThrow(/content\/chapters\/08-concurrency\.mdx: lab: already points at the lab "08-elsewhere"; a chapter has one lab\.$/);
  });
});
