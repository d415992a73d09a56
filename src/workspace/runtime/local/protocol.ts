/**
 * The HTTP protocol between the browser's local adapter and the lab runner inside `npm start`.
 * Imported by both sides so they cannot drift apart.
 *
 * Security: every request under RUNNER_BASE must carry the header TOKEN_HEADER with the token that the
 * server injected into the page it served (a <meta name=TOKEN_META> tag), and an Origin (when present)
 * equal to the server's own. Anything else is refused with 403.
 *
 * Routes (all JSON unless noted; errors are `{ error: string }` with a 4xx/5xx status):
 *   POST   /__runner/sessions                      CreateSessionRequest  → CreateSessionResponse
 *   PUT    /__runner/sessions/:sid/files/<path>    body: raw UTF-8 text  → 204
 *   POST   /__runner/sessions/:sid/processes       StartProcessRequest   → StartProcessResponse
 *   POST   /__runner/sessions/:sid/processes/:pid/stdin   body: raw text → 204
 *   POST   /__runner/sessions/:sid/processes/:pid/interrupt             → 204 (Ctrl-C: SIGINT to the process
 *                                                  group, stopping a shell's foreground command; the shell stays)
 *   DELETE /__runner/sessions/:sid/processes/:pid                         → 204 (kills the process tree)
 *   GET    /__runner/sessions/:sid/events          server-sent events; each `data:` is one RunnerEvent (JSON)
 *   POST   /__runner/sessions/:sid/check           → 200, body streamed as NDJSON CheckEvent lines
 *   POST   /__runner/sessions/:sid/stop                                   → 204 (kills every process)
 *   DELETE /__runner/sessions/:sid                                        → 204 (stops and deletes workspace)
 *   POST   /__runner/sessions/:sid/close                                  → 204 (the same, for navigator.sendBeacon
 *                                                  while the page unloads)
 * The token may also be passed as `?token=` on the events and close routes, since EventSource and
 * sendBeacon cannot set headers; the Origin check still applies.
 */
import type { TaskKind } from '../../../lab-model/task-kinds.ts';

export const RUNNER_BASE = '/__runner';
export const TOKEN_HEADER = 'x-runner-token';
export const TOKEN_META = 'lab-runner-token';

export interface CreateSessionRequest {
  /** Lab id, e.g. `03-config`. */
  lab: string;
  /** The learner's files; hidden lab files are added by the server. */
  files: Record<string, string>;
}
export interface CreateSessionResponse {
  session: string;
}

export interface StartProcessRequest {
  /** A shell command line run with `sh -c` in the workspace, or `{ shell: true }` for an interactive shell. */
  command?: string;
  shell?: boolean;
  /**
   * What the command is (Run and the lab's tasks say; a typed command leaves it out): `app` and `formation`
   * set up their own environment, anything else gets the lab's environment and the session's REDIS_URL.
   */
  kind?: TaskKind;
}
export interface StartProcessResponse {
  process: string;
}

export type RunnerEvent =
  | { type: 'output'; process: string; data: string }
  | { type: 'exit'; process: string; code: number | null; signal: string | null; reason?: 'timeout' | 'killed' | 'limit' };

/** The runner token a page served by the local runner carries in its meta tag, or null. */
export function runnerToken(doc: Pick<Document, 'querySelector'>): string | null {
  const content = doc.querySelector<HTMLMetaElement>(`meta[name="${TOKEN_META}"]`)?.content.trim();
  return content ? content : null;
}
