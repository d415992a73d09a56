/**
 * What a lab command is. The runner and the workspace decide how to treat a command by its kind, never by
 * its text. Kept free of zod so the local runner and the browser can import it cheaply.
 * - `app`: long-running, like Run: started through the launcher (or as the app itself), stopped with Stop.
 *   It sets up its own environment (its port, its REDIS_URL), so the runner adds only the session's default
 *   port and offers the session's Redis as LAB_SESSION_REDIS_URL, which the launcher uses when REDIS_URL
 *   is unset; an app started directly gets no REDIS_URL.
 * - `oneoff`: an admin or one-off process that runs to completion (a migration, a report); it gets the lab's
 *   environment and the session's REDIS_URL, as a command typed in the lab's shell does.
 * - `build`: the build stage (e.g. "npm run build"); runs to completion with the same environment as `oneoff`.
 * - `formation`: starts the Procfile's process types, e.g. "node .lab/run.mjs --formation web=1,worker=2";
 *   long-running like `app`.
 */
export const TASK_KINDS = ['app', 'oneoff', 'build', 'formation'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Kinds whose process keeps running until stopped and sets up its own environment, as Run does. */
export const LONG_RUNNING_KINDS: ReadonlySet<TaskKind> = new Set<TaskKind>(['app', 'formation']);

export function isTaskKind(value: unknown): value is TaskKind {
  return typeof value === 'string' && (TASK_KINDS as readonly string[]).includes(value);
}
