/** Labs: manifest schema, loader and workspace composition, for Astro pages and Node scripts alike. */
export { LabError, TOP_LEVEL } from './errors.ts';
export { labManifestSchema, checkRefSchema, taskSchema, parseManifest, checkCommand } from './manifest.ts';
export type { LabManifest, LabTask } from './manifest.ts';
export { TASK_KINDS, LONG_RUNNING_KINDS, isTaskKind } from './task-kinds.ts';
export type { TaskKind } from './task-kinds.ts';
export { fixtureSchema, variantSchema, editSchema, parseFixture, parseVariant, applyChanges } from './submissions.ts';
export type { FixtureManifest, VariantManifest, Edit } from './submissions.ts';
export { listLabIds, loadLab, learnerFiles, writeWorkspace, defaultLabsRoot } from './loader.ts';
export type { Lab, LabFixture, LabVariant, WorkspaceOptions, WorkspaceReport } from './loader.ts';
export { declaredPackages, readDeclaration, resolvePackages, installPackages, courseModulesDir, defaultStoreDir, KIT_PACKAGES } from './packages.ts';
export type { Declaration, ResolvedPackage, InstallReport, InstallOptions } from './packages.ts';
