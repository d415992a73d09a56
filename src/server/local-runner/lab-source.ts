/**
 * Where session workspaces come from. The runner only needs "put lab X with these learner files in this
 * folder"; the default source composes it from `labs/` with the lab kit's loader, and tests can pass a
 * source of their own.
 */
import { resolve } from 'node:path';
import type { FileMap } from '../../workspace/runtime/types.ts';
import { HttpError } from './http.ts';

export interface PreparedLab {
  /** The command line that runs the lab's checks from the workspace root. */
  checkCommand: string;
  /** The lab's default environment (its manifest's `env`), for the shell and the learner's commands. */
  env?: Record<string, string>;
  /** Workspace-relative path of the embedded Redis server script, started when a shell needs a Redis. */
  redisServer?: string;
  /**
   * The lab's hidden files (every path under `.lab/`). Given them, the runner lays `.lab/` fresh before
   * each Check and runs the checker from a copy outside the workspace (see checker-copy.ts).
   */
  hidden?: FileMap;
  /** The `node_modules` folder the checker's copy links to (the kit imports the course's packages). */
  modules?: string;
}

export interface LabSource {
  /** Writes a runnable workspace for `lab` into `dir`; throws HttpError(400) for an unknown lab. */
  prepare(dir: string, lab: string, files: FileMap): Promise<PreparedLab>;
}

/** Labs from the repository's `labs/` folder (or `root`). */
export function repositoryLabs(root?: string): LabSource {
  return {
    async prepare(dir, id, files) {
      // Loaded on first use: the loader pulls in zod, which a server that never runs a lab does not need.
      const labs = await import('../../lab-model/index.ts');
      const known = await labs.listLabIds(root);
      if (!known.includes(id)) {
        throw new HttpError(400, `lab: "${id}" is not a lab; labs are ${known.join(', ') || '(none yet)'}.`);
      }
      const lab = await labs.loadLab(id, root);
      // Files the page did not send start as the starter has them.
      await labs.writeWorkspace(dir, lab, { ...labs.learnerFiles(lab, 'starter'), ...files });
      return {
        checkCommand: lab.manifest.commands.check,
        env: { ...lab.manifest.env },
        redisServer: '.lab/_kit/redis-server.mjs',
        hidden: lab.hidden,
        modules: resolve(lab.dir, '..', '..', 'node_modules'),
      };
    },
  };
}
