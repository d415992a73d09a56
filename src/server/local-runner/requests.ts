/** Validation of the runner's JSON request bodies; each error names the field and what to send instead. */
import type { CreateSessionRequest, StartProcessRequest } from '../../workspace/runtime/local/protocol.ts';
import type { RunnerLimits } from '../config.ts';
import { isTaskKind, TASK_KINDS } from '../../lab-model/task-kinds.ts';
import { HttpError } from './http.ts';
import { checkLearnerPath, PathError } from './paths.ts';

const LAB_ID = /^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_FILES = 200;
const MAX_COMMAND = 4_096;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseCreateSession(body: unknown, limits: Pick<RunnerLimits, 'maxFileBytes'>): CreateSessionRequest {
  if (!isObject(body)) throw new HttpError(400, 'Send a JSON object { "lab": "03-config", "files": { "app.js": "…" } }.');
  const { lab, files } = body;
  if (typeof lab !== 'string' || !LAB_ID.test(lab)) {
    throw new HttpError(400, `lab: expected a lab id such as "03-config", got ${JSON.stringify(lab) ?? 'nothing'}.`);
  }
  if (!isObject(files)) throw new HttpError(400, 'files: expected an object mapping file paths to their text, e.g. { "app.js": "…" }.');
  const entries = Object.entries(files);
  if (entries.length > MAX_FILES) throw new HttpError(413, `files: ${entries.length} files is more than the limit of ${MAX_FILES}.`);
  for (const [path, text] of entries) {
    try {
      checkLearnerPath(path);
    } catch (error) {
      if (error instanceof PathError) throw new HttpError(400, `files[${JSON.stringify(path)}]: ${error.message}`);
      throw error;
    }
    if (typeof text !== 'string') throw new HttpError(400, `files[${JSON.stringify(path)}]: expected the file's text as a string.`);
    if (Buffer.byteLength(text) > limits.maxFileBytes) {
      throw new HttpError(413, `files[${JSON.stringify(path)}]: larger than the limit of ${Math.round(limits.maxFileBytes / 1024)} KiB per file.`);
    }
  }
  return { lab, files: files as Record<string, string> };
}

export function parseStartProcess(body: unknown): StartProcessRequest {
  if (!isObject(body)) throw new HttpError(400, 'Send a JSON object { "command": "node app.js" } or { "shell": true }.');
  const { command, shell, kind } = body;
  if (shell === true && command === undefined) return { shell: true };
  if (kind !== undefined && !isTaskKind(kind)) throw new HttpError(400, `kind: expected one of ${TASK_KINDS.join(', ')}, or leave it out for a command typed by the learner.`);
  if (shell !== undefined && shell !== false) throw new HttpError(400, 'shell: expected true (for an interactive shell) or leave it out.');
  if (typeof command !== 'string' || command.trim() === '') {
    throw new HttpError(400, 'command: expected the command line to run, e.g. "node app.js", or send { "shell": true }.');
  }
  if (command.length > MAX_COMMAND || command.includes('\0')) {
    throw new HttpError(400, `command: longer than ${MAX_COMMAND} characters or contains a NUL byte.`);
  }
  return kind === undefined ? { command } : { command, kind };
}
