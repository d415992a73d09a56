// The chapters and guides describe the labs; these tests keep the words in step with the labs' code.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(path, 'utf8');

/** A regular expression for the strings a template literal can produce, e.g. `${a}! ${b}` → /^.+?! .+?$/. */
function templatePattern(template: string): RegExp {
  const parts = template.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+?')}$`);
}

describe('chapter prose matches the labs', () => {
  it('06 quotes the greeting the way the lab app words it', () => {
    const template = /res\.end\(`([^`]*Visits[^`]*)\\n`\)/.exec(read('labs/06-processes/common/server.js'))?.[1];
    expect(template).toBeDefined();
    const chapter = read('content/chapters/06-processes.mdx').replace(/\s*\n\s*/g, ' ');
    const quoted = /greets each visitor with two numbers: "([^"]+)"/.exec(chapter)?.[1];
    expect(quoted).toBeDefined();
    expect(quoted).toMatch(templatePattern(template!));
  });

  it('06 does not point the lab terminal at a Redis of its own choosing', () => {
    expect(read('content/chapters/06-processes.mdx')).not.toMatch(/export REDIS_URL=/);
    expect(read('content/chapters/06-processes.mdx')).toContain('**Run two instances**');
  });

  it('09 says which deployment the WebContainer caution is about', () => {
    const chapter = read('content/chapters/09-disposability.mdx').replace(/\s*\n\s*/g, ' ');
    expect(chapter).not.toMatch(/In the browser, labs run inside a WebContainer/);
    expect(chapter).toMatch(/When the course is deployed as a static site, labs run in your browser inside a WebContainer/);
  });
});

describe('lab authoring docs', () => {
  it('describe the optional common/ folder where they lay out a lab', () => {
    const guide = read('src/pages/instructors.mdx');
    expect(guide).toMatch(/^ {4}common\/ +\(optional\) files both versions change the same way, laid over _base first$/m);
    expect(guide).toContain('A version\'s files are `_base/`, then `common/`, then `starter/` or `solution/`');
    expect(read('README.md')).toMatch(/optional common\/ \(changes both share, laid over _base first\)/);
  });

  it('name a section of the instructors\' page that exists, wherever the scaffold points an author to one', () => {
    const guide = read('src/pages/instructors.mdx');
    const named = [...read('src/lab-model/scaffold.ts').matchAll(/See "([^"]+)" on the instructors/g)].map((m) => m[1]);
    expect(named).toEqual(['The checks']);
    for (const section of named) expect(guide).toMatch(new RegExp(`^#{2,3} ${section}$`, 'm'));
  });

  it('tell an author what a new instructor had to find out alone', () => {
    const guide = read('src/pages/instructors.mdx').replace(/\s*\n\s*/g, ' ');
    expect(guide).toContain('A correct answer must pass at the idle bound');
    expect(guide).toContain('LAB_CALIBRATION_FACTOR=1 npm run labs:verify -- --concurrency 1 --show');
    expect(guide).toContain('| `t.holdPort()` | `{ port, release }`');
    expect(guide).toContain('An unhandled `\'error\'` event is such a report too');
    expect(guide).toContain('Leave it out and only `rejectedBy` is judged: the other checks may pass, fail or error.');
    expect(guide).toContain('npm run check:lab -- 07-port-binding');
    expect(guide).toContain('pass `--concurrency 1` or `2`');
    expect(read('README.md')).toContain('npm run check:lab -- 07-port-binding');
  });
});

describe('chapters describe the checks their labs run', () => {
  for (const [chapter, lab] of [['03-config', '03-config'], ['06-processes', '06-processes'], ['08-concurrency', '08-concurrency'], ['09-disposability', '09-disposability'], ['12-admin-processes', '12-admin-processes']]) {
    it(`${chapter} has a section for each of ${lab}'s checks, titled as the lab titles it`, () => {
      const manifest = JSON.parse(read(`labs/${lab}/lab.json`)) as { checks: { title: string }[] };
      const text = read(`content/chapters/${chapter}.mdx`);
      const section = text.slice(text.indexOf('## What the checker will do'), text.indexOf('## Common mistakes'));
      const headings = [...section.matchAll(/^### (.+)$/gm)].map((m) => m[1]).filter((h) => h !== 'The shutdown scenario');
      expect(headings).toEqual(manifest.checks.map((c) => c.title));
    });
  }
});
