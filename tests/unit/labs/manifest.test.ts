import { describe, expect, it } from 'vitest';
import { LabError, parseFixture, parseManifest } from '../../../src/labs/index.ts';

const FILE = 'labs/03-config/lab.json';
const valid = {
  id: '03-config',
  factor: 3,
  title: 'Config',
  summary: 'Read the settings from the environment.',
  files: { visible: ['config.js', 'app.js'], editable: ['config.js'], open: 'config.js' },
  commands: { run: 'node .lab/run.mjs', start: 'node app.js' },
  checks: [{ id: 'reads-port', title: 'Listens on PORT' }],
};
const parse = (patch: Record<string, unknown>) => () => parseManifest(FILE, JSON.stringify({ ...valid, ...patch }), '03-config');

describe('lab manifest', () => {
  it('accepts a valid manifest and fills in defaults', () => {
    const manifest = parseManifest(FILE, JSON.stringify(valid), '03-config');
    expect(manifest.commands.check).toBe('node .lab/check.mjs');
    expect(manifest.env).toEqual({});
  });

  it('names the file, the field and the fix', () => {
    expect(parse({ factor: 13 })).toThrow(new LabError(`${FILE}: factor: expected a number from 1 to 12`));
    expect(parse({ files: { ...valid.files, open: 'README.md' } })).toThrow(`${FILE}: files.open: "README.md" is not in files.visible; open one of config.js, app.js`);
    expect(parse({ files: { ...valid.files, editable: ['server.js'] } })).toThrow(`${FILE}: files.editable[0]: "server.js" is editable but not in files.visible; add it there or remove it here`);
    expect(parse({ commands: { run: 'x', start: 'npm start' } })).toThrow(`${FILE}: commands.start: expected "node <file>", e.g. "node app.js"`);
    expect(parse({ checks: [{ id: 'Reads Port', title: 'Listens on PORT' }] })).toThrow(`${FILE}: checks[0].id: expected a kebab-case check id such as "reads-port"`);
  });

  it('refuses paths that leave the workspace or enter .lab/', () => {
    expect(parse({ files: { visible: ['../secret.js'], editable: [], open: '../secret.js' } })).toThrow(/files\.visible\[0\]: expected a relative path inside the workspace/);
    expect(parse({ files: { visible: ['.lab/check.mjs'], editable: [], open: '.lab/check.mjs' } })).toThrow(/not under "\.lab\/"/);
  });

  it('reports an id that does not match its folder, unknown fields and broken JSON', () => {
    expect(() => parseManifest(FILE, JSON.stringify(valid), '06-processes')).toThrow(`${FILE}: id: "03-config" does not match the folder name; set it to "06-processes" or rename the folder.`);
    expect(parse({ colour: 'red' })).toThrow(/^labs\/03-config\/lab\.json: \(top level\): .*colour/);
    expect(() => parseManifest(FILE, '{ "id": ', '03-config')).toThrow(/^labs\/03-config\/lab\.json: not valid JSON .*; fix the syntax\.$/);
  });

  it('checks that a fixture names a check of its lab', () => {
    const manifest = parseManifest(FILE, JSON.stringify(valid), '03-config');
    const fixture = 'labs/03-config/fixtures/x/fixture.json';
    expect(() => parseFixture(fixture, JSON.stringify({ from: 'solution', rejectedBy: 'reads-prot', why: 'A typo that a learner could make.' }), manifest)).toThrow(
      `${fixture}: rejectedBy: "reads-prot" is not a check of 03-config; use one of reads-port.`,
    );
    expect(() => parseFixture(fixture, JSON.stringify({ from: 'both', rejectedBy: 'reads-port', why: 'A typo that a learner could make.' }), manifest)).toThrow(
      `${fixture}: from: expected "starter" or "solution": the variant this mistake is made on`,
    );
  });
});
