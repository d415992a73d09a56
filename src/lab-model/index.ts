/** Labs: manifest schema, loader and workspace composition, for Astro pages and Node scripts alike. */
export { LabError, TOP_LEVEL } from './errors.ts';
export { labManifestSchema, fixtureSchema, checkRefSchema, parseManifest, parseFixture, checkCommand } from './manifest.ts';
export type { LabManifest, FixtureManifest } from './manifest.ts';
export { listLabIds, loadLab, learnerFiles, writeWorkspace, defaultLabsRoot } from './loader.ts';
export type { Lab, LabFixture } from './loader.ts';
