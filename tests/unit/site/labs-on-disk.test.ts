import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { labsOnDisk } from '../../../src/schemas/chapter-loader.ts';

const root = mkdtempSync(join(tmpdir(), 'tfl-labs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('counts a folder as a lab only when it is named like one and has a lab.json', () => {
  const lab = (name: string, manifest = true) => {
    mkdirSync(join(root, 'labs', name), { recursive: true });
    if (manifest) writeFileSync(join(root, 'labs', name, 'lab.json'), '{}');
  };
  lab('06-processes');
  lab('03-config');
  lab('09-disposability', false);
  lab('_kit');
  lab('Config');
  expect(labsOnDisk(pathToFileURL(`${root}/`))).toEqual(['03-config', '06-processes']);
});

it('finds no labs in a project without a labs folder', () => {
  expect(labsOnDisk(pathToFileURL(`${join(root, 'empty')}/`))).toEqual([]);
});
