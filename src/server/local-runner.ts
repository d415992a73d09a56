/**
 * The lab runner together with the safeguards that make it safe to host: a token, the Host names it
 * answers to, and the meta tag that hands the token to the pages. Two servers host it: `npm start`
 * (`server.ts`) and `astro dev` (`src/integrations/dev-runner.ts`). Callers ask `runnerMode` first.
 */
import type { ServerConfig } from './config.ts';
import { createHostGuard, type HostGuard } from './hosts.ts';
import type { Logger } from './log.ts';
import { newToken, tokenMetaTag } from './local-runner/guard.ts';
import { labEnv } from './local-runner/lab-env.ts';
import { repositoryLabs, type LabSource } from './local-runner/lab-source.ts';
import { createRunner, type Runner } from './local-runner/runner.ts';

export interface HostedRunnerOptions {
  config: Pick<ServerConfig, 'host' | 'allowRemote' | 'siteUrl' | 'limits' | 'rootDir' | 'redisUrl'> & Partial<Pick<ServerConfig, 'cgroups'>>;
  /** The port the hosting server actually listens on (known only once it listens). */
  port: number;
  logger: Logger;
  /** A token to reuse (a dev server restarting in the same process keeps its pages' token); new otherwise. */
  token?: string;
  /** Labs for the runner; the repository's `labs/` by default. */
  labs?: LabSource;
  /** Folder for session workspaces; the system's temporary folder by default. */
  workRoot?: string;
}

export interface HostedRunner {
  runner: Runner;
  token: string;
  hosts: HostGuard;
  /** What to put in the `<head>` of a page served under `host`: nothing for a Host that is not ours. */
  headTags(host: string | undefined): string;
}

export function hostRunner(options: HostedRunnerOptions): HostedRunner {
  const { config } = options;
  const token = options.token ?? newToken();
  const hosts = createHostGuard({ host: config.host, port: options.port, allowRemote: config.allowRemote, siteUrl: config.siteUrl });
  const runner = createRunner({
    token,
    hosts,
    limits: config.limits,
    logger: options.logger,
    labs: options.labs ?? repositoryLabs(),
    env: labEnv({ rootDir: config.rootDir, redisUrl: config.redisUrl }),
    cgroups: config.cgroups !== 'off',
    ...(options.workRoot ? { workRoot: options.workRoot } : {}),
  });
  const tag = tokenMetaTag(token);
  return {
    runner,
    token,
    hosts,
    // A page fetched under a foreign Host name (DNS rebinding) must not learn the token.
    headTags: (host) => (hosts.allows(host) ? tag : ''),
  };
}
