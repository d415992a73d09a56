import { createRequire } from 'node:module';

/**
 * Loads a package the workspace provides (ioredis, ioredis-mock, redis-parser): from the workspace
 * first, where the learner's app finds it too, then from wherever the kit itself lives.
 */
export function loadPackage(name) {
  for (const base of [`${process.cwd()}/`, import.meta.url]) {
    try {
      return createRequire(base)(name);
    } catch {}
  }
  throw new Error(`Cannot find the package "${name}"; run "npm install" in the workspace.`);
}
