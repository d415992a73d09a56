/**
 * The checker's output protocol: one JSON event per line on stdout, versioned (`v: 1`). This is its one
 * schema and its one parser; the local runner, the browser runtimes, labs:verify and the tests all read
 * checker output through `parseCheckEvent`. The kit (plain ESM without dependencies) only writes events.
 *
 *   {"v":1,"type":"plan","lab":"03-config","checks":[{"id","title"}],"calibration"?:{…}}
 *   {"v":1,"type":"log","check":"reads-port","source":"checker"|"app","text":"…"}
 *   {"v":1,"type":"result","check":"reads-port","status":"pass"|"fail"|"error","message":"…","expected"?,"actual"?,"hints":[…],"ms":12,"timing"?:{…}}
 *   {"v":1,"type":"done","status":"pass"|"fail"|"error","passed":4,"failed":1,"errored":0}
 */
// zod's tree-shakable "mini" API, not astro/zod: this schema ships to the browser with the lab, where the
// full API would add about 25 KB (gzip) and this one about 7 KB. Same zod 4 package and semantics.
import * as z from 'zod/mini';

const status = z.enum(['pass', 'fail', 'error']);

/** How the run's time budgets were scaled: every bound is its idle-machine value × `factor` (never less than 1). */
export const calibrationSchema = z.object({
  /** The multiplier applied to every time bound of this run. */
  factor: z.number().check(z.positive()),
  /** How long a minimal app took to start and answer on this machine, at the start of the run. */
  baselineMs: z.number().check(z.nonnegative()),
  /** The same on an idle reference machine: factor ≈ baselineMs / referenceMs. */
  referenceMs: z.number().check(z.nonnegative()),
  /** Present when the machine measured slower than the largest factor (10): timing failures it explains are "could not judge". */
  overloaded: z.optional(z.boolean()),
  /** With `overloaded`: the uncapped slowdown, baselineMs / referenceMs. */
  measured: z.optional(z.number().check(z.positive())),
});

/** How the checker runs lab processes: the process model and how SIGTERM reaches an app. */
export const processInfoSchema = z.object({
  model: z.enum(['posix', 'portable']),
  /** `shim`: delivered in-process by the kit's preloaded SIGTERM shim, where the runtime does not deliver signals to handlers. */
  signals: z.enum(['native', 'shim']),
});

export const planEventSchema = z.object({
  v: z.literal(1),
  type: z.literal('plan'),
  /** The lab id, e.g. "03-config". */
  lab: z.string(),
  /** The checks in the order they will run. */
  checks: z.array(z.object({ id: z.string(), title: z.string() })),
  /** The time-budget calibration measured for this run (absent from checkers that do not calibrate). */
  calibration: z.optional(calibrationSchema),
  /** The process model of this run (absent from checkers that do not say). */
  process: z.optional(processInfoSchema),
});

export const logEventSchema = z.object({
  v: z.literal(1),
  type: z.literal('log'),
  /** The check it belongs to; "" for lines outside any check. */
  check: z.string(),
  /** Who wrote it: the checker's own transcript, or the app's output. */
  source: z.enum(['checker', 'app']),
  text: z.string(),
});

/**
 * Of the time bounds a check met (the kit's own waits, startReady, its time limit), the one it came closest
 * to. labs:verify warns when a passing check used much of a bound: on a quiet machine it might not pass.
 */
export const resultTimingSchema = z.object({
  /** Which wait: "the app: waitForExit(2000)", "the check's time limit (10000)". */
  wait: z.string(),
  /** How long it took until the wait was met. */
  observedMs: z.number().check(z.nonnegative()),
  /** The bound's idle-machine figure, as the check wrote it. */
  idleMs: z.number().check(z.positive()),
  /** The deadline this run applied: idleMs scaled to the machine. */
  boundMs: z.number().check(z.positive()),
});

export const resultEventSchema = z.object({
  v: z.literal(1),
  type: z.literal('result'),
  check: z.string(),
  status,
  /** What was done and what came of it, in sentences for the learner. */
  message: z.string(),
  expected: z.optional(z.string()),
  actual: z.optional(z.string()),
  /** What to try, revealed one at a time. */
  hints: z.array(z.string()),
  /** How long the check took. */
  ms: z.number().check(z.nonnegative()),
  /** The bound the check came closest to (absent from checkers that do not say). */
  timing: z.optional(resultTimingSchema),
});

export const doneEventSchema = z.object({
  v: z.literal(1),
  type: z.literal('done'),
  status,
  passed: z.int().check(z.nonnegative()),
  failed: z.int().check(z.nonnegative()),
  errored: z.int().check(z.nonnegative()),
});

export const checkEventSchema = z.discriminatedUnion('type', [planEventSchema, logEventSchema, resultEventSchema, doneEventSchema]);

export type CheckEvent = z.output<typeof checkEventSchema>;
export type PlanEvent = z.output<typeof planEventSchema>;
export type LogEvent = z.output<typeof logEventSchema>;
export type ResultEvent = z.output<typeof resultEventSchema>;
export type DoneEvent = z.output<typeof doneEventSchema>;
export type Calibration = z.output<typeof calibrationSchema>;
export type ResultTiming = z.output<typeof resultTimingSchema>;

// Pseudo-terminals (WebContainer) may wrap output in colour or cursor sequences; the JSON itself never has any.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

/**
 * Reads one line of checker output: `{ event }` for a protocol event, `{ problem }` for a line that looks
 * like one (a JSON object with `v` and `type`) but breaks the schema, saying how; `null` for anything else
 * (a stray console.log, Node's warnings).
 */
export function readCheckLine(line: string): { event: CheckEvent } | { problem: string } | null {
  const text = line.replace(ANSI, '').trim();
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !('type' in value) || !('v' in value)) return null;
  const result = checkEventSchema.safeParse(value);
  if (result.success) return { event: result.data };
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
  return { problem: `not a version-1 checker event (${issues})` };
}

/** Parses one line of checker output; `null` for anything that is not a valid version-1 protocol event. */
export function parseCheckEvent(line: string): CheckEvent | null {
  const read = readCheckLine(line);
  return read && 'event' in read ? read.event : null;
}
