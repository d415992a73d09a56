import { describe, expect, it } from 'vitest';
import { parseStartProcess } from '../../../src/server/local-runner/requests.ts';

describe('start-process requests', () => {
  it('carries the kind of a lab command, and leaves it out for a typed one', () => {
    expect(parseStartProcess({ command: 'node .lab/run.mjs', kind: 'app' })).toEqual({ command: 'node .lab/run.mjs', kind: 'app' });
    expect(parseStartProcess({ command: 'node migrate.js', kind: 'oneoff' })).toEqual({ command: 'node migrate.js', kind: 'oneoff' });
    expect(parseStartProcess({ command: 'ls' })).toEqual({ command: 'ls' });
  });

  it('refuses a kind the lab model does not know, naming the known ones', () => {
    expect(() => parseStartProcess({ command: 'node app.js', kind: 'daemon' })).toThrow('kind: expected one of app, oneoff, build, formation, or leave it out for a command typed by the learner.');
  });
});
