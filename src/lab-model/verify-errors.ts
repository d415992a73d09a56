/**
 * What labs:verify says when something errors instead of failing: the first error of the checker or the
 * app, with its file and line, in repository terms (`labs/03-config/check.mjs:3`, not a temporary path).
 * And a probe that, before anything runs, loads each lab's check.mjs with the kit's `runLab` replaced, to
 * learn which checks it implements (compared with lab.json once) and whether it even loads.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckEvent } from './check-events.ts';
import type { LabManifest } from './manifest.ts';

/** Turns paths inside a verify workspace (or the labs folder) into the names an author knows. */
export function repoPaths(text: string, workspace: string | undefined, labsRoot: string): string {
  const labs = relative(process.cwd(), labsRoot).split(sep).join('/') || '.';
  let out = text;
  const swap = (from: string, to: string): void => {
    out = out.split(pathToFileURL(from).href).join(to).split(from).join(to);
  };
  // The labs folder first: the names it becomes may contain it again (a relative path ending in it).
  swap(labsRoot + sep, `\0labs/`);
  if (workspace) {
    swap(join(workspace, '.lab') + sep, `\0labs/`);
    swap(workspace + sep, '');
  }
  return out.split('\0labs/').join(`${labs}/`);
}

const NODE_INTERNAL = /\((?:node:|internal\/)|at (?:node:|internal\/)|^\s*at .*\(node:/;

/**
 * The first error in Node's own output (stderr of a crashed checker or app): `file:line: Type: message`
 * when Node names a place, else the error line itself. Undefined when there is no error in it.
 */
export function firstNodeError(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.replace(/\s+$/, ''));
  const at = lines.findIndex((l) => /^(?:[A-Z]\w*)?(?:Error|Exception)\b.*?:/.test(l) || /^\w*Error \[ERR_[A-Z_]+\]:/.test(l) || /^Uncaught /.test(l));
  if (at === -1) return undefined;
  const error = (lines[at] as string).trim();
  // Node prints the place above the error for syntax and link errors ("file.mjs:3", the line, a caret)...
  const header = lines.slice(0, at).reverse().find((l) => /^(?:file:\/\/)?\/?\S+:\d+$/.test(l.trim()) && !/^(?:node|internal)[:/]/.test(l.trim()));
  if (header) return `${header.trim().replace(/^file:\/\//, '')}: ${error}`;
  // ...and in the stack below it for errors thrown while running.
  const frame = lines.slice(at + 1).find((l) => /^\s+at /.test(l) && !NODE_INTERNAL.test(l));
  const place = frame?.match(/\(?((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?$/);
  return place ? `${(place[1] as string).replace(/^file:\/\//, '')}:${place[2]}: ${error}` : error;
}

/**
 * The first error of a run that errored: a checker that printed no verdict (its stderr), else the first
 * check with status `error` (its message, and the app's report when it shows a place).
 */
export function firstError(events: CheckEvent[], stderr: string): string | undefined {
  const done = events.some((e) => e.type === 'done');
  if (!done) return firstNodeError(stderr) ?? (stderr.trim().split('\n').slice(-3).join(' | ') || undefined);
  const errored = events.find((e): e is Extract<CheckEvent, { type: 'result' }> => e.type === 'result' && e.status === 'error');
  if (!errored) return undefined;
  const place = errored.actual ? firstNodeError(errored.actual) : undefined;
  return `${errored.check}: ${errored.message.split('\n')[0]}${place && !errored.message.includes(place) ? ` [${place}]` : ''}`;
}

/**
 * A probe only loads check.mjs and its imports, well under a second on an idle machine; the limit is for a
 * check.mjs that never calls runLab yet keeps running, and is wide because a loaded machine (CI, several
 * verifies at once) can take many seconds just to start Node.
 */
const PROBE_LIMIT_MS = 120_000;
const HOOKS = new URL('./verify-probe-hooks.mjs', import.meta.url);

/**
 * Loads the lab's check.mjs in `workspace` (written for the starter, so its imports resolve as in a real
 * run) with the kit's `runLab` replaced by one that prints the ids it was given, and compares them with
 * lab.json. Resolves with a problem to report (naming check.mjs, and the file and line of a load error),
 * or undefined when the two agree.
 */
export async function probeChecks(workspace: string, manifest: LabManifest, labsRoot: string): Promise<string | undefined> {
  const labDir = join(labsRoot, manifest.id);
  const checkFile = join(workspace, '.lab', manifest.id, 'check.mjs');
  const shown = repoPaths(join(labDir, 'check.mjs'), undefined, labsRoot);
  if (!existsSync(checkFile)) return `${shown}: the file is missing; write the lab's checks there (npm run new:lab scaffolds one).`;
  const child = spawn(process.execPath, ['--import', HOOKS.href, checkFile, '--json'], { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, PROBE_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const line = out.split('\n').find((l) => l.startsWith('{"labProbe":'));
  if (!line) {
    // The probe's own hooks show in Node's report of a failed import; the place that matters is the import.
    const error = firstNodeError(err.split('\n').filter((l) => !l.includes('verify-probe-hooks.mjs')).join('\n'));
    if (error) return `${shown} does not load: ${repoPaths(error, workspace, labsRoot)}`;
    if (timedOut) return `${shown} was still running ${PROBE_LIMIT_MS / 1000} s after it was loaded without calling runLab; end it with await runLab(new URL('./lab.json', import.meta.url), { … }) and start nothing before it.`;
    return `${shown} never called runLab (exit ${code ?? 'killed'}); end it with await runLab(new URL('./lab.json', import.meta.url), { … }).`;
  }
  const implemented = (JSON.parse(line) as { labProbe: string[] }).labProbe;
  const declared = manifest.checks.map((c) => c.id);
  const missing = declared.filter((id) => !implemented.includes(id));
  const extra = implemented.filter((id) => !declared.includes(id));
  if (!missing.length && !extra.length) return undefined;
  const parts = [
    missing.length ? `lab.json lists ${missing.join(', ')} but check.mjs implements no check of that id` : '',
    extra.length ? `check.mjs implements ${extra.join(', ')}, which lab.json does not list` : '',
  ].filter(Boolean);
  return `${shown} and ${repoPaths(join(labDir, 'lab.json'), undefined, labsRoot)} disagree: ${parts.join('; ')}. Make the ids the same in both.`;
}

/** For tests: where the probe's module hooks live. */
export const probeHooksFile = (): string => fileURLToPath(HOOKS);
