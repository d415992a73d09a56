import { describe, expect, it } from 'vitest';
import { LabError, applyChanges, parseFixture, parseManifest } from '../../../src/lab-model/index.ts';

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
/** The whole message, not a part of it, so extra or reworded problems fail the test. */
const exactly = (message: string) => expect.objectContaining({ name: 'LabError', message });
const parse = (patch: Record<string, unknown>) => () => parseManifest(FILE, JSON.stringify({ ...valid, ...patch }), '03-config');

describe('lab manifest', () => {
  it('accepts a valid manifest and fills in defaults', () => {
    const manifest = parseManifest(FILE, JSON.stringify(valid), '03-config');
    expect(manifest.commands.check).toBe('node .lab/check.mjs');
    expect(manifest.env).toEqual({});
  });

  it('takes any start command line, a build step, and tasks tagged with their kind (one-off when untagged)', () => {
    const manifest = parseManifest(FILE, JSON.stringify({
      ...valid,
      $schema: '../../src/lab-model/schemas/lab.schema.json',
      commands: {
        run: 'node .lab/run.mjs',
        start: 'npm run web',
        build: 'npm run build',
        tasks: [
          { label: 'Web and workers', command: 'node .lab/run.mjs --formation web=1,worker=2', kind: 'formation' },
          { label: 'Migrate', command: 'npm run migrate' },
        ],
      },
    }), '03-config');
    expect(manifest.commands.start).toBe('npm run web');
    expect(manifest.commands.build).toBe('npm run build');
    expect(manifest.commands.tasks.map((t) => t.kind)).toEqual(['formation', 'oneoff']);
  });

  it('names the file, the field, the value found and the fix', () => {
    expect(parse({ factor: 13 })).toThrow(exactly(`${FILE}: factor: expected a number from 1 to 12 (found 13)`));
    expect(parse({ factor: 'three' })).toThrow(exactly(`${FILE}: factor: expected the factor number, 1 to 12 (found "three")`));
    expect(parse({ files: { ...valid.files, open: 'README.md' } })).toThrow(exactly(`${FILE}: files.open: is not in files.visible; open one of config.js, app.js (found "README.md")`));
    expect(parse({ files: { ...valid.files, editable: ['server.js'] } })).toThrow(exactly(`${FILE}: files.editable[0]: is editable but not in files.visible; add it there or remove it here (found "server.js")`));
    expect(parse({ commands: { run: 'x', start: '  ' } })).toThrow(exactly(`${FILE}: commands.start: give how to start the app, e.g. "node app.js" (found "")`));
    expect(parse({ commands: { run: 'x', start: 'npm start', tasks: [{ label: 'Migrate', command: 'node migrate.js', kind: 'admin' }] } })).toThrow(
      exactly(`${FILE}: commands.tasks[0].kind: expected one of "app", "oneoff", "build", "formation" (found "admin")`),
    );
    expect(parse({ remove: { starter: ['server.js'], both: [] } })).toThrow(exactly(`${FILE}: remove.both: is not a remove field; the fields are common, starter, solution. Check the spelling or remove it.`));
    expect(parse({ checks: [{ id: 'Reads Port', title: 'Listens on PORT' }] })).toThrow(exactly(`${FILE}: checks[0].id: expected a kebab-case check id such as "reads-port" (found "Reads Port")`));
    expect(parse({ checks: [valid.checks[0], valid.checks[0]] })).toThrow(exactly(`${FILE}: checks[1].id: is listed twice; check ids must be unique (found "reads-port")`));
  });

  it('says which required field is missing and what to add', () => {
    expect(parse({ title: undefined })).toThrow(exactly(`${FILE}: title: is missing; add a short title, e.g. "title": "Config"`));
    expect(parse({ files: undefined })).toThrow(exactly(`${FILE}: files: is missing; add it with the fields visible, editable, open`));
    expect(parse({ commands: { run: 'node .lab/run.mjs' } })).toThrow(exactly(`${FILE}: commands.start: is missing; add how to start the app, e.g. "node app.js"`));
  });

  it('reports every problem at once, one line each, with the structure kept for tools', () => {
    let error: unknown;
    try {
      parse({ factor: 0, title: '', commands: { run: 'x', start: '' } })();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message.split('\n')).toHaveLength(3);
    expect((error as LabError).problems.map((p) => p.field)).toEqual(['factor', 'title', 'commands.start']);
  });

  it('refuses paths that leave the workspace or enter .lab/', () => {
    expect(parse({ files: { visible: ['../secret.js'], editable: [], open: '../secret.js' } })).toThrow(/files\.visible\[0\]: expected a relative path inside the workspace/);
    expect(parse({ files: { visible: ['.lab/check.mjs'], editable: [], open: '.lab/check.mjs' } })).toThrow(/not under "\.lab\/"/);
  });

  it('reports an id that does not match its folder, unknown fields and broken JSON', () => {
    expect(() => parseManifest(FILE, JSON.stringify(valid), '06-processes')).toThrow(exactly(`${FILE}: id: "03-config" does not match the folder name; set it to "06-processes" or rename the folder.`));
    expect(parse({ colour: 'red' })).toThrow(
      exactly(`${FILE}: colour: is not a lab.json field; the fields are id, factor, title, summary, files, commands, env, remove, checks. Check the spelling or remove it.`),
    );
    expect(parse({ files: { ...valid.files, editible: [] } })).toThrow(exactly(`${FILE}: files.editible: is not a files field; the fields are visible, editable, open. Check the spelling or remove it.`));
    expect(() => parseManifest(FILE, '[]', '03-config')).toThrow(exactly(`${FILE}: (top level): expected an object with the fields id, factor, title, summary, files, commands, env, remove, checks (found [])`));
    expect(() => parseManifest(FILE, '{ "id": ', '03-config')).toThrow(/^labs\/03-config\/lab\.json: \(top level\): not valid JSON .*; fix the syntax\.$/);
  });

  it('checks that a fixture names a check of its lab', () => {
    const manifest = parseManifest(FILE, JSON.stringify(valid), '03-config');
    const fixture = 'labs/03-config/fixtures/x/fixture.json';
    expect(() => parseFixture(fixture, JSON.stringify({ from: 'solution', rejectedBy: 'reads-prot', why: 'A typo that a learner could make.' }), manifest)).toThrow(
      `${fixture}: rejectedBy: "reads-prot" is not a check of 03-config; use one of reads-port.`,
    );
    expect(() => parseFixture(fixture, JSON.stringify({ from: 'both', rejectedBy: 'reads-port', why: 'A typo that a learner could make.' }), manifest)).toThrow(
      `${fixture}: from: expected "starter" or "solution": the files this one is written against (found "both")`,
    );
    const why = 'A typo that a learner could make.';
    expect(() => parseFixture(fixture, JSON.stringify({ from: 'solution', rejectedBy: 'reads-port', alsoFails: ['reads-port'], why }), manifest)).toThrow(
      `${fixture}: alsoFails[0]: "reads-port" is already rejectedBy; list only the other checks it fails.`,
    );
    expect(() => parseFixture(fixture, JSON.stringify({ from: 'solution', rejectedBy: 'reads-port', alsoFails: ['greets'], why }), manifest)).toThrow(
      `${fixture}: alsoFails[0]: "greets" is not a check of 03-config; use one of reads-port.`,
    );
    expect(() => parseFixture(fixture, JSON.stringify({ from: 'solution', rejectedBy: 'reads-port', why, edits: [{ file: 'app.js', find: 'x' }] }), manifest)).toThrow(
      `${fixture}: edits[0].replace: expected the new text ("" to delete the found text)`,
    );
  });

  it('applies edits that match exactly once, and names the fixture and file when one does not', () => {
    const file = 'labs/03-config/fixtures/x/fixture.json';
    const files = { 'config.js': 'const port = 3000;\nconst host = "a";\n', 'extra.js': 'x' };
    expect(applyChanges(file, files, { edits: [{ file: 'config.js', find: '3000', replace: 'process.env.PORT' }], remove: ['extra.js'] })).toEqual({ 'config.js': 'const port = process.env.PORT;\nconst host = "a";\n' });
    expect(() => applyChanges(file, files, { edits: [{ file: 'config.js', find: '3001', replace: '' }] })).toThrow(
      `${file}: edits[0].find: "3001" occurs 0 times in config.js, expected exactly once; the file changed since this was written; copy the current text from it.`,
    );
    expect(() => applyChanges(file, files, { edits: [{ file: 'config.js', find: 'const', replace: 'let' }] })).toThrow(
      `${file}: edits[0].find: "const" occurs 2 times in config.js, expected exactly once; include more of the surrounding text so it matches one place.`,
    );
    expect(() => applyChanges(file, files, { edits: [{ file: 'confg.js', find: 'a', replace: 'b' }] })).toThrow(`${file}: edits[0].file: "confg.js" is not among the files it is written against; name one of config.js, extra.js.`);
    expect(() => applyChanges(file, files, { remove: ['gone.js'] })).toThrow(`${file}: remove[0]: "gone.js" is not among the files it is written against, so there is nothing to remove.`);
    // "$&" in the replacement is text, not a pattern.
    expect(applyChanges(file, files, { edits: [{ file: 'extra.js', find: 'x', replace: '$&$&' }] })['extra.js']).toBe('$&$&');
  });
});
