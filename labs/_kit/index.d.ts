/**
 * The checker kit's API: what a lab's `check.mjs` imports from `../_kit/index.mjs`.
 *
 *   import { runLab, request, describe } from '../_kit/index.mjs';
 *   await runLab(new URL('./lab.json', import.meta.url), {
 *     'reads-port': async (t) => {
 *       const { port, response } = await t.startReady();
 *       if (response.status !== 200) throw t.fail({ message: '…', expected: '…', actual: describe(response), hints: ['…'] });
 *       return `Started the app with PORT=${port}; GET / got 200.`;
 *     },
 *   });
 *
 * Time. Every duration you pass to the kit (`within`, `timeout`, `waitFor…(ms)`, `timeLimit`) is the
 * figure for an idle machine; the kit multiplies it by the run's calibration factor (≥ 1, see
 * `t.calibration`). Use `t.budget(ms)` for timers of your own and `t.bound(ms)` to quote a bound in a
 * message. Never pass `t.budget(x)` to the kit: it would be scaled twice.
 *
 * Output. `app.ownLines()`, `app.said()`, `app.waitForLine()` and `app.jsonLines()` see only what the app
 * itself wrote: Node's crash report (the echoed source line, caret, stack) and warnings are left out, and
 * a crash's error message counts only when the app threw it on purpose (`throw new Error(…)`), never a
 * SyntaxError or ReferenceError. Match the app's output through them, not through `app.lines`.
 * An unhandled 'error' event is Node's crash report too, not the app's own output: a server whose
 * `listen()` fails with EADDRINUSE and that has no 'error' handler dies with
 * "Error: listen EADDRINUSE: address already in use :::3000" printed by Node, and ownLines() leaves it out.
 * To tell that crash apart, read `app.crash()` (its `error` names EADDRINUSE) or `app.addressInUse()`,
 * which reads every line, Node's report included. A message the app prints itself from its own 'error'
 * handler (or a deliberate `throw new Error('port 3000 is taken')`) is own output.
 *
 * Timing. Each result event carries `timing`, the bound the check came closest to among the kit's waits
 * that were met (startReady, waitForPort/Line/Exit, stop, the time limit); `labs:verify` warns when a
 * passing check used more than half of it. A correct answer must pass at the idle figure.
 *
 * Sockets. A check that needs a port taken (the app must fail fast on it) calls `t.holdPort()`; the kit
 * closes it when the check ends. Apps and ports a check opens through `t` never outlive the check.
 */

export type Env = Record<string, string>;
export type EnvOverrides = Record<string, string | number | undefined>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from spawn to exit */
  ms: number;
}

export interface Crash {
  /** The error, e.g. "SyntaxError: Unexpected token ','". */
  error: string;
  /** Where, as the learner sees it: "config.js:3". */
  location?: string | undefined;
  /** The report to show, error first. */
  lines: string[];
  source: string[];
  frames: string[];
  start: number;
  end: number;
}

/** One process the check started. Killed, with what it started, when the check ends. */
export interface App {
  label: string;
  /** The command as the transcript names it ("npm start → node app.js"). */
  command: string;
  pid: number | undefined;
  /** PORT it was given, when numeric. */
  port: number | undefined;
  /** The environment it runs with. */
  env: Env;
  /** Every output line, both streams, in arrival order (capped at 2000). */
  lines: { stream: 'stdout' | 'stderr'; text: string }[];
  exit: Exit | undefined;
  readonly running: boolean;
  /** performance.now() at spawn. */
  started: number;
  /** Resolves with the exit once every output line has arrived. */
  exited: Promise<Exit>;
  /** The process handle (process.mjs). */
  process: import('./process.mjs').LabProcess;
  /** The last n lines for a message: repeats folded, a crash shown as its error and location. */
  lastOutput(n?: number): string;
  /** A line as a transcript shows it; undefined for blanks and Node's own noise. */
  tidy(text: string): string | undefined;
  /**
   * The app's uncaught error, if it crashed with one: a throw, a rejected promise, or an 'error' event
   * nobody handled (e.g. `{ error: 'Error: listen EADDRINUSE: address already in use :::3000', … }`).
   * Undefined when the app exited by itself (process.exit, exitCode), whatever it printed.
   */
  crash(): Crash | undefined;
  /** The line naming the error ("SyntaxError: … (config.js:3)"), else the first error-looking line. */
  errorLine(): string | undefined;
  /** What the app itself wrote (see the header). */
  ownLines(): string[];
  /** The first own line matching `pattern`. */
  said(pattern: RegExp): string | undefined;
  /** Own lines that parse as JSON objects (structured logs). */
  jsonLines(): Record<string, unknown>[];
  /** @deprecated use jsonLines() */
  json(): Record<string, unknown>[];
  /**
   * The port the output says could not be bound (EADDRINUSE), if any. It reads every line the app
   * printed, Node's crash report included: an unhandled 'error' event from `listen()` ("Error: listen
   * EADDRINUSE: address already in use :::3000", which ownLines() leaves out as Node's output), a message
   * the app logs itself, or a JSON log line whose `port` follows the error. To tell whether the app
   * handled it (its own message) or crashed (Node's report), look at `app.crash()` and `app.said()`.
   */
  addressInUse(): number | undefined;
  /** True once something accepts TCP on `port`; false at the (scaled) deadline; rejects with AppExited. */
  waitForPort(port: number, ms?: number): Promise<boolean>;
  /** The first own line matching `pattern`, or undefined at the (scaled) deadline or exit. */
  waitForLine(pattern: RegExp, ms?: number): Promise<{ stream: 'stdout' | 'stderr'; text: string } | undefined>;
  /** The exit, or undefined if still running after (scaled) `ms`. */
  waitForExit(ms: number): Promise<Exit | undefined>;
  /** Sends a signal (posix: to its process group); says how it was delivered, logged in the transcript. */
  signal(name: NodeJS.Signals): 'group' | 'process' | 'shim' | undefined;
  /** SIGTERM, then SIGKILL after (scaled) `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export interface Response {
  status?: number | undefined;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** A network failure: ECONNREFUSED, ECONNRESET, TIMEOUT, … */
  error?: string | undefined;
  ms: number;
}

export interface ExecResult {
  /** null when it timed out or died by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stdout: string[];
  stderr: string[];
  /** JSON-object lines the command itself wrote (either stream). */
  json: Record<string, unknown>[];
  timedOut: boolean;
  crash?: Crash | undefined;
  app: App;
}

export interface Snapshot {
  root: string;
  files: Map<string, { size: number; hash: string }>;
}

export interface Changes {
  created: string[];
  modified: string[];
  deleted: string[];
}

export interface RedisEntry {
  key: string;
  type: string;
  /** The value of a string key, else null. */
  value: string | null;
  /** The fields of a hash key. */
  hash?: Record<string, string> | undefined;
}

export interface WatchedCommand {
  /** Upper-case command name: "INCR". */
  name: string;
  /** Its first ten arguments, as text (long ones cut at 200 characters). */
  args: string[];
  /** ms since the watcher started. */
  at: number;
  /** When its reply reached the app; undefined if it never did. */
  answeredAt?: number | undefined;
}

export interface WatchedConnection {
  id: number;
  commands: WatchedCommand[];
  /** The app sent QUIT. */
  quit: boolean;
  openedAt: number;
  closedAt?: number | undefined;
  /** Who ended it: the app ('client'), Redis ('server', e.g. after QUIT), or pause()/close() ('watcher'). */
  closedBy?: 'client' | 'server' | 'watcher' | undefined;
  /** Ended by the app or by Redis after QUIT, with every command answered, and not reset. */
  closedCleanly: boolean;
  /** Commands still without a reply when it closed. */
  unanswered: number;
  /** The app's side reset the connection (RST) instead of closing it. */
  reset?: boolean | undefined;
  /**
   * With watcher.follow(app): whether the app was still running when its side closed the connection —
   * true when the app closed it (quit(), disconnect()), false when the process exit cut it.
   */
  appAlive?: boolean | undefined;
}

/** A proxy recording every connection and command, in order. */
export interface Watcher {
  /** REDIS_URL to give the app. */
  url: string;
  port: number;
  connections: WatchedConnection[];
  /** Connections open right now. */
  readonly open: number;
  /** Every command of every connection, in order of connection then time. */
  commands(): (WatchedCommand & { connection: number })[];
  sawQuit(): boolean;
  /** Notes, for each connection the app closes, whether the app was still running then (`appAlive`). */
  follow(app: App): void;
  /**
   * From now on, every reply waits a random time in [min, max] ms before the app gets it (in order, per
   * connection). A command the app does not wait for is then still unanswered if the app exits soon after.
   * Held replies slow the app down: time the app in a run without hold().
   */
  hold(range: { min: number; max: number }): void;
  /** Redis is "down": open connections are cut, new ones refused. */
  pause(): Promise<void>;
  /** Redis is back, at the same URL. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** A Redis that demands a random password and a random non-zero database: REDIS_URL must be used whole. */
export interface SecuredRedis {
  url: string;
  password: string;
  db: number;
  /** An ioredis client on that database. */
  client: any;
  entries(): Promise<RedisEntry[]>;
  keys(pattern?: string): Promise<string[]>;
  /** A watcher in front of it (its URL carries the password and database). */
  watch(): Promise<Watcher>;
}

/** The check's Redis: empty when each check starts. */
export interface CheckRedis {
  url: string;
  /** An ioredis client on it. */
  client: any;
  entries(): Promise<RedisEntry[]>;
  keys(pattern?: string): Promise<string[]>;
  reset(): Promise<void>;
  watch(): Promise<Watcher>;
  secured(options?: { password?: string | undefined; db?: number | undefined }): Promise<SecuredRedis>;
}

export interface Failure {
  /** What the checker did, what came back, and what that means. */
  message: string;
  expected?: string | undefined;
  actual?: string | undefined;
  hints?: string[] | undefined;
  /** A short clause checks sharing this run quote when they cannot run ("the app never answered"). */
  summary?: string | undefined;
  /**
   * The failure is that something took longer than a bound: `{ observedMs, idleMs }` (the bound's idle
   * figure). On an overloaded machine (calibration `overloaded`) an observation the machine's slowness
   * explains (observedMs ≤ idleMs × measured) is reported as "could not judge" (error) instead.
   * Waits the kit does itself (startReady, waitFor…, timeLimit) stretch to the measured factor and need no flag.
   */
  timing?: { observedMs: number; idleMs: number } | true | undefined;
}

export interface StartOptions {
  /** Exactly the variables the app gets (plus PATH and the like). Default: manifest env + REDIS_URL, no PORT. */
  env?: EnvOverrides | undefined;
  label?: string | undefined;
  /** Default: the manifest's commands.start. `npm start` / `npm run X` are resolved from package.json. */
  command?: string | undefined;
  /** Its own copy of the app folder, TMPDIR and HOME: what a second machine would have. Same name, same copy, within a check. */
  instance?: string | undefined;
  /** Folder to run in, relative to the workspace (or instance). */
  cwd?: string | undefined;
}

export interface CheckContext {
  manifest: any;
  /** The learner's workspace folder. */
  workspace: string;
  redis: CheckRedis;
  /**
   * `factor` multiplies the bounds checks judge by (t.budget, 1–10); `measured`: how much slower than idle the
   * machine is right now, what the kit's own waits stretch by; `overloaded`: measured > 10.
   */
  calibration: { factor: number; measured: number; baselineMs: number; referenceMs: number; overloaded?: boolean | undefined; forced?: boolean | undefined };
  /** Adds a line to the check's transcript. */
  log(text: string, source?: 'checker' | 'app'): void;
  /** A free TCP port on loopback. */
  port(): Promise<number>;
  /**
   * Holds a TCP port as another program on the machine would (every address; connections are accepted and
   * closed at once), so a check can start the app on a taken port. `port`: a free one by default. The kit
   * releases it when the check ends, whatever the verdict, in both process models; `release()` frees it
   * sooner. Start the app with `t.start` and wait with `app.waitForExit`/`waitForPort`, not `t.startReady`,
   * when exiting is what the check expects.
   */
  holdPort(options?: { port?: number | undefined }): Promise<{ port: number; release(): Promise<void> }>;
  /** `ms` scaled to this machine right now (never less than `ms`). */
  budget(ms: number): number;
  /**
   * How long the kit's own waits of `ms` last right now (startReady `within`, waitFor…, stop, exec): the same
   * as budget(ms), except on an overloaded machine, where waits stretch further (up to 15×) than bounds are judged.
   */
  wait(ms: number): number;
  /** A bound for messages: "2 s", or "4.4 s on this machine right now (2 s × 2.2: …)". */
  bound(ms: number): string;
  /** { ...manifest.env, PORT: a free port, REDIS_URL: this check's Redis, ...overrides }; undefined removes a key. */
  env(overrides?: EnvOverrides): Promise<Env>;
  start(options?: StartOptions): App;
  /**
   * The instance `name` (made now if it is new): its copy of the app folder and the TMPDIR/HOME it gets.
   * A check may change the copy before starting the app on it, e.g. delete a file a second machine would
   * not have; the learner's workspace stays as it is. The same name gives the same copy within a check.
   */
  instance(name: string): { dir: string; env: { TMPDIR: string; TMP: string; TEMP: string; HOME: string; USERPROFILE: string } };
  /**
   * Starts the app and waits (`within`, default 3000 ms, scaled) for an HTTP answer on env.PORT at `path`.
   * Standard failures: a crash → error with its report; a port held by another process → says which;
   * an exit → error; never answered → fail (summary "… never answered on the port given in PORT").
   */
  startReady(options?: { env?: Env | undefined; label?: string | undefined; path?: string | undefined; within?: number | undefined; instance?: string | undefined; command?: string | undefined; cwd?: string | undefined }): Promise<{ app: App; port: number; url: string; response: Response; ms: number }>;
  /** Runs a one-off/admin/build command to completion (killed after `timeout`, default 10000 ms, scaled). */
  exec(command: string, options?: { env?: Env | undefined; timeout?: number | undefined; cwd?: string | undefined; instance?: string | undefined; label?: string | undefined }): Promise<ExecResult>;
  /** Starts process types from the Procfile, each on its own instance (unless separate: false), each with its own PORT and DYNO ("web.1", "worker.2"). */
  scale(formation: Record<string, number>, options?: { env?: Env | undefined; separate?: boolean | undefined }): Promise<Record<string, App[]>>;
  /** The workspace's files (without .lab, node_modules, .git), hashed. */
  snapshot(): Snapshot;
  changedSince(snapshot: Snapshot): Changes;
  /** Runs `fn` once per checker run; other checks share its result, or report "Not run" when it failed. */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** `throw t.fail({...})`: the app does not do what the factor asks. */
  fail(details: Failure): Error;
  /** `throw t.notRun(reason, checkId)`: this check cannot judge (reported as error). */
  notRun(reason: string, seeCheck?: string): Error;
  /** A workspace file's text, or undefined. */
  read(path: string): Promise<string | undefined>;
}

export interface CheckImplementation {
  (t: CheckContext): Promise<string | void>;
  /** Idle-machine time limit for the whole check, ms (default 10000); scaled. */
  timeLimit?: number | undefined;
}

export function runLab(manifestUrl: URL | string, implementations: Record<string, CheckImplementation>, options?: { argv?: string[] | undefined; cwd?: string | undefined }): Promise<void>;

export class CheckFailed extends Error {
  timing: { observedMs: number; idleMs: number } | true | undefined;
  expected?: string | undefined;
  actual?: string | undefined;
  hints: string[];
  summary?: string | undefined;
}
export class NotRun extends Error {}
export class AppExited extends Error {
  app: App;
  during: string;
  clause(): string;
}
export function describeExit(exit: { code: number | null; signal: string | null } | undefined): string;

/** One HTTP request; never throws (network failures come back as `error`). */
export function request(port: number, path?: string, options?: { method?: string | undefined; headers?: Record<string, string> | undefined; body?: string | undefined; timeout?: number | undefined; host?: string | undefined }): Promise<Response>;
/** `200 "Hello! …"`, or the network error, for a message. */
export function describe(response: Response): string;
export function freePort(): Promise<number>;
/** "Howdy-cobalt-4821": a random readable value. */
export function randomWord(prefix?: string): string;
export function randomHex(bytes?: number): string;
export function sleep(ms: number): Promise<void>;
/** 450 → "450 ms", 4400 → "4.4 s". */
export function seconds(ms: number): string;
export function parseProcfile(text: string): Map<string, string>;

/**
 * Runs `fn` once a processor is free for it and gives it back when `fn` settles. Starting Node and loading an
 * app is work for a processor: one start per core at a time keeps each start about as long as the kit's
 * calibration measured, so the bounds checks judge by keep their meaning however many runs go at once.
 * Hold the gate while a process loads (a web process until it answers, a one-off until it exits).
 */
export type Gate = <T>(fn: () => Promise<T>, options?: {
  /** How many slots `fn` takes at once (default 1, at most the gate's size), e.g. 2 for two processes started together. */
  slots?: number | undefined;
  /** Waiting starts go in order of rank, lowest first; equal ranks in the order they asked. together() sets each run's rank. */
  rank?: number | undefined;
  /** Goes ahead of every waiting start of the same or a higher rank: a run's next step, once it has begun. */
  next?: boolean | undefined;
}) => Promise<T>;

export interface TogetherOptions {
  /**
   * Check ids in the order their runs start: each run's gate waits at that rank (put the runs that take longest
   * once their processes are up first). Without it every start waits its turn in the order it asked.
   */
  order?: string[] | undefined;
  /** Idle-machine limit of each check's run, ms (default 10000; scaled like any wait). A run past it is reported as hanging, alone. */
  limits?: Record<string, number> | undefined;
  /** Idle-machine time limit of each check (runLab's timeLimit): a backstop, since the first check waits for every run. */
  timeLimit?: number | undefined;
  /** Each run gets a Redis of its own in `t.redis` (`t.redis.secured()`), so fixed key names never meet another run's. */
  secured?: boolean | undefined;
  /** What each run has of its own, for the transcript ("a Redis of its own"). */
  own?: string | undefined;
}

/**
 * Checks whose runs go side by side: each check's run is `runs[id](t)`, where `t` is the check's context with
 * `t.gate` (a Gate shared by every run, a start per core) and, with `secured`, a Redis of its own. All runs
 * start in the first check's turn (via t.once) and that check waits for them; each check then reports its own
 * run's verdict and replays its log lines into its own transcript. Only the checks this checker run was asked
 * for are run. Use it when the checks do not depend on each other and most of each is spent waiting.
 */
export function together(runs: Record<string, (t: CheckContext & { gate: Gate }) => Promise<string>>, options?: TogetherOptions): Record<string, CheckImplementation>;
/** A Gate of `size` slots (see Gate); together() makes one per checker run. */
export function startGate(size: number): Gate;
/** `promise`'s value, or undefined once `ms` have passed; the timer is cleared either way. */
export function unlessLater<T>(promise: Promise<T>, ms: number): Promise<T | undefined>;

export {
  spawnProcess,
  signalProcess,
  killProcess,
  markerEnv,
  createSupervisor,
  processModel,
  nodeProgram,
  MARKER,
} from './process.mjs';
