/** How the adapter starts a command line inside WebContainer, and with which environment. */
import type { FileMap } from '../types.ts';

/**
 * Added to the environment of every process the adapter starts. WebContainer has no process groups and
 * no negative pids, so the kit must use its `portable` process model; the kit also detects WebContainer
 * by itself (`process.versions.webcontainer`), and saying it here keeps the choice explicit.
 */
export const LAB_ENV: Record<string, string> = { LAB_PROCESS_MODEL: 'portable' };

/** Words a shell would treat specially; a command line with any of them goes through `jsh`. */
const SHELL_SYNTAX = /["'`$\\|&;<>(){}*?~#!\n]/;

/**
 * A plain `node …` command line is spawned as `node` by name, directly: with no process groups, killing
 * a shell would leave the node process it started running, while killing node itself reaches the app's
 * launcher. Anything else (npm scripts, pipes, quoting) runs through WebContainer's shell, `jsh -c`.
 */
export function toSpawn(commandLine: string): { command: string; args: string[] } {
  const words = commandLine.trim().split(/\s+/);
  if (words[0] === 'node' && !SHELL_SYNTAX.test(commandLine)) return { command: 'node', args: words.slice(1) };
  return { command: 'jsh', args: ['-c', commandLine] };
}

/** The `env` of the lab's manifest among its hidden files (`.lab/<id>/lab.json`): its string values, or none. */
export function manifestEnv(hidden: FileMap, lab: string): Record<string, string> {
  const text = hidden[`.lab/${lab}/lab.json`];
  if (text === undefined) return {};
  try {
    const env = (JSON.parse(text) as { env?: unknown }).env;
    if (!env || typeof env !== 'object') return {};
    return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}
