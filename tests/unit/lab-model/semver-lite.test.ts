import { describe, expect, it } from 'vitest';
import { satisfies } from '../../../src/lab-model/semver-lite.ts';

describe('version ranges', () => {
  it.each([
    ['5.11.1', '^5.4.0', true], ['6.0.0', '^5.4.0', false], ['5.3.9', '^5.4.0', false],
    ['0.2.5', '^0.2.1', true], ['0.3.0', '^0.2.1', false], ['0.0.4', '^0.0.3', false],
    ['5.4.9', '~5.4.0', true], ['5.5.0', '~5.4.0', false], ['5.11.1', '5.x', true], ['4.1.0', '5.x', false],
    ['5.11.1', '*', true], ['5.11.1', '', true], ['5.11.1', '5.11.1', true], ['5.11.2', '5.11.1', false],
    ['5.11.1', '>=5 <6', true], ['6.0.0', '>=5 <6', false], ['1.5.0', '1.2.3 - 2.0.0', true], ['2.0.1', '1.2.3 - 2.0.0', false],
    ['3.0.0', '^1.0.0 || ^3.0.0', true], ['2.0.0', '^1.0.0 || ^3.0.0', false], ['5.0.0-beta.1', '^5.0.0', false], ['5.11.1', '>= 5.0.0', true],
  ])('%s in "%s" is %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  it('stays silent about ranges it cannot read', () => {
    expect(satisfies('5.11.1', 'latest')).toBeUndefined();
    expect(satisfies('5.11.1', 'github:luin/ioredis')).toBeUndefined();
  });
});
