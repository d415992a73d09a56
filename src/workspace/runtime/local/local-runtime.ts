/**
 * The browser side of the lab runner inside `npm start` (protocol in ./protocol.ts). The runner runs the
 * learner's app as real processes in a temporary workspace; this adapter creates that workspace, mirrors
 * file edits into it, streams process output from one server-sent-events connection, and reads check
 * events from a streamed NDJSON response.
 */
import {
  RUNNER_BASE,
  TOKEN_HEADER,
  type CreateSessionResponse,
  type RunnerEvent,
  type StartProcessRequest,
  type StartProcessResponse,
} from './protocol.ts';
import { lineSplitter, missingVerdict } from '../ndjson.ts';
import { spotAppUrl } from '../app-url.ts';
import { runnerToken } from './protocol.ts';
import {
  RuntimeUnavailableError,
  type CheckEvent,
  type DoneEvent,
  type LabMount,
  type LabRuntime,
  type ProcessHandle,
  type RunOptions,
} from '../types.ts';

/** The browser APIs this adapter uses, injectable so tests can run it against a fake runner. */
export interface LocalDeps {
  token: string;
  fetch: typeof fetch;
  openEvents: (url: string) => EventsLike;
  /**
   * The runner's current token, read afresh from this page's server (it changes when the server
   * restarts); null when the server does not answer or serves no token. Without it, no recovery.
   */
  currentToken?: () => Promise<string | null>;
  /** `navigator.sendBeacon`, for freeing the workspace while the page unloads. */
  beacon?: (url: string) => boolean;
}

/** The part of EventSource the adapter uses (`onopen` is set, and called by real ones). */
export type EventsLike = Pick<EventSource, 'onmessage' | 'onerror' | 'close'> & { onopen?: EventSource['onopen'] };

/** How often a page that lost its server asks whether the server is back. */
const PROBE_MS = 1_500;

interface Tracked {
  onOutput: (chunk: string) => void;
  resolveExit: (code: number | null, signal?: string | null) => void;
}

const REMEDY = 'Restart the course with “npm start” and reload this page.';
/** What the learner reads when the runner went away and reconnecting failed. */
export const RUNNER_LOST =
  'The course server restarted or stopped. Reload the page to reconnect — your edits are saved in this browser.';

/** The runner restarted or stopped and this page could not reconnect to it. */
export class RunnerLostError extends RuntimeUnavailableError {
  constructor(options?: { cause?: unknown }) {
    super(RUNNER_LOST, '');
    this.name = 'RunnerLostError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export class LocalRuntime implements LabRuntime {
  readonly kind = 'local' as const;
  readonly #deps: LocalDeps;
  #token: string;
  #session: string | null = null;
  #lab: LabMount | null = null;
  #events: EventsLike | null = null;
  readonly #connection = new Set<(state: 'lost' | 'back') => void>();
  #lost = false;
  #disposed = false;
  readonly #processes = new Map<string, Tracked>();
  /** Events that arrived before the request that started their process returned. */
  readonly #early = new Map<string, RunnerEvent[]>();

  constructor(deps: LocalDeps) {
    this.#deps = deps;
    this.#token = deps.token;
  }

  async mount(lab: LabMount, signal?: AbortSignal): Promise<void> {
    this.#lab = { lab: lab.lab, files: { ...lab.files } };
    let response: Response;
    try {
      response = await this.#request('/sessions', { method: 'POST', body: JSON.stringify(lab), json: true, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (error instanceof RuntimeUnavailableError) throw error;
      throw new RuntimeUnavailableError(`The course's lab runner cannot be reached (${message(error)}).`, REMEDY);
    }
    const { session } = (await response.json()) as CreateSessionResponse;
    this.#session = session;
    this.#listen(session);
  }

  async writeFile(path: string, content: string): Promise<void> {
    if (this.#lab) this.#lab.files[path] = content;
    await this.#request(`/sessions/${this.#sid()}/files/${path.split('/').map(encodeURIComponent).join('/')}`, {
      method: 'PUT',
      body: content,
    });
  }

  run(command: string, options: RunOptions): Promise<ProcessHandle> {
    return this.#start(options.kind ? { command, kind: options.kind } : { command }, options);
  }

  shell(options: RunOptions): Promise<ProcessHandle | null> {
    return this.#start({ shell: true }, options);
  }

  async check(onEvent: (event: CheckEvent) => void, signal?: AbortSignal): Promise<DoneEvent> {
    // The event schema (zod, ~8 KB gz) loads with the first Check, not with the page.
    const [{ parseCheckEvent }, response] = await Promise.all([
      import('../../../lab-model/check-events.ts'),
      this.#request(`/sessions/${this.#sid()}/check`, { method: 'POST', ...(signal ? { signal } : {}) }),
    ]);
    if (!response.body) throw new Error('The lab runner answered the check without a body.');
    let done: DoneEvent | null = null;
    let other = '';
    const lines = lineSplitter((line) => {
      const event = parseCheckEvent(line);
      if (!event) other += `${line}\n`;
      else if (event.type === 'done') done = event;
      else onEvent(event);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) lines.push(chunk.value);
    lines.end();
    if (!done) throw missingVerdict(null, other);
    return done;
  }

  async stopAll(): Promise<void> {
    if (!this.#session) return;
    await this.#request(`/sessions/${this.#session}/stop`, { method: 'POST' });
  }

  onConnection(listener: (state: 'lost' | 'back') => void): void {
    this.#connection.add(listener);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#events?.close();
    this.#events = null;
    for (const tracked of this.#processes.values()) tracked.resolveExit(null);
    this.#processes.clear();
    const session = this.#session;
    this.#session = null;
    // keepalive lets the runner free the workspace even when this runs during page unload.
    if (session) await this.#request(`/sessions/${session}`, { method: 'DELETE', keepalive: true }).catch(() => undefined);
  }

  release(): void {
    const session = this.#session;
    if (!session || !this.#deps.beacon) return;
    this.#deps.beacon(`${RUNNER_BASE}/sessions/${session}/close?token=${encodeURIComponent(this.#token)}`);
    // The next request finds the session gone and sets it up again (see #recover).
    for (const tracked of this.#processes.values()) tracked.resolveExit(null);
    this.#processes.clear();
  }

  async #start(body: StartProcessRequest, options: RunOptions): Promise<ProcessHandle> {
    const sid = this.#sid();
    const response = await this.#request(`/sessions/${sid}/processes`, { method: 'POST', body: JSON.stringify(body), json: true });
    const { process: pid } = (await response.json()) as StartProcessResponse;
    let resolveEnded!: (ended: { code: number | null; signal: string | null }) => void;
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => (resolveEnded = resolve));
    const exit = ended.then(({ code }) => code);
    const resolveExit = (code: number | null, signal: string | null = null): void => resolveEnded({ code, signal });
    const spot = options.onServerReady ? spotAppUrl(options.onServerReady) : null;
    const onOutput = spot
      ? (chunk: string): void => {
          options.onOutput(chunk);
          spot(chunk);
        }
      : options.onOutput;
    this.#processes.set(pid, { onOutput, resolveExit });
    for (const event of this.#early.get(pid) ?? []) this.#dispatch(event);
    this.#early.delete(pid);
    const kill = async (): Promise<void> => {
      if (!this.#processes.has(pid)) return;
      await this.#request(`/sessions/${sid}/processes/${pid}`, { method: 'DELETE' }).catch(() => undefined);
      await exit;
    };
    options.signal?.addEventListener('abort', () => void kill(), { once: true });
    // Input and Ctrl-C go out one request at a time: parallel requests may arrive in any order, and a
    // Ctrl-C that overtook the line before it would interrupt nothing and leave that command running.
    let sending: Promise<unknown> = Promise.resolve();
    const send = (action: 'stdin' | 'interrupt', body: string | undefined, failure: string): void => {
      sending = sending.then(() =>
        this.#request(`/sessions/${sid}/processes/${pid}/${action}`, { method: 'POST', ...(body === undefined ? {} : { body }) }).catch(
          (error: unknown) => options.onOutput(`\r\n\x1b[31m${failure}${message(error)}\x1b[0m\r\n`),
        ),
      );
    };
    return {
      exit,
      ended,
      write: (data) => send('stdin', data, ''),
      kill,
      interrupt: () => {
        if (this.#processes.has(pid)) send('interrupt', undefined, 'Ctrl-C did not reach the runner: ');
      },
    };
  }

  #listen(session: string): void {
    this.#events?.close();
    const url = `${RUNNER_BASE}/sessions/${session}/events?token=${encodeURIComponent(this.#token)}`;
    const events = this.#deps.openEvents(url);
    events.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as RunnerEvent;
      if (this.#processes.has(event.process)) this.#dispatch(event);
      else this.#early.set(event.process, [...(this.#early.get(event.process) ?? []), event]);
    };
    // The event stream is the page's line to the server: it breaks the moment the server goes away.
    events.onerror = () => {
      if (this.#events === events) this.#markLost();
    };
    // The same server answered again (a network blip, not a restart): nothing was lost but time.
    events.onopen = () => {
      if (this.#events === events && this.#lost) this.#markBack();
    };
    this.#events = events;
  }

  #markLost(): void {
    if (this.#lost || this.#disposed || !this.#lab) return;
    this.#lost = true;
    for (const listener of this.#connection) listener('lost');
    void this.#probe();
  }

  #markBack(): void {
    this.#lost = false;
    for (const listener of this.#connection) listener('back');
  }

  /** While the server is away: ask every PROBE_MS whether it is back, and set the workspace up there again. */
  async #probe(): Promise<void> {
    while (this.#lost && !this.#disposed) {
      await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
      if (!this.#lost || this.#disposed) return;
      const token = this.#deps.currentToken ? await this.#deps.currentToken() : null;
      if (!token || !this.#lost) continue;
      try {
        this.#token = token;
        for (const tracked of this.#processes.values()) tracked.resolveExit(null);
        this.#processes.clear();
        this.#early.clear();
        const created = await this.#request('/sessions', { method: 'POST', body: JSON.stringify(this.#lab), json: true }, true);
        const { session } = (await created.json()) as CreateSessionResponse;
        this.#session = session;
        this.#listen(session);
        this.#markBack();
      } catch {
        // Not ready yet (still starting, or refusing): try again on the next round.
      }
    }
  }

  #dispatch(event: RunnerEvent): void {
    const tracked = this.#processes.get(event.process);
    if (!tracked) return;
    if (event.type === 'output') {
      tracked.onOutput(event.data);
      return;
    }
    const why =
      event.reason === 'timeout'
        ? 'it ran longer than the runner allows'
        : event.reason === 'limit'
          ? 'it exceeded a resource limit of the runner'
          : null;
    if (why) tracked.onOutput(`\r\n\x1b[33mThe runner stopped this process: ${why}.\x1b[0m\r\n`);
    this.#processes.delete(event.process);
    tracked.resolveExit(event.code, event.signal);
  }

  #sid(): string {
    if (!this.#session) throw new Error('The lab workspace is not mounted yet.');
    return this.#session;
  }

  async #request(path: string, init: RequestInit & { json?: boolean }, recovered = false): Promise<Response> {
    const { json, ...rest } = init;
    const headers: Record<string, string> = { [TOKEN_HEADER]: this.#token };
    if (json) headers['content-type'] = 'application/json';
    else if (init.body !== undefined) headers['content-type'] = 'text/plain; charset=utf-8';
    // Recovery re-creates the workspace; a process route would then name a process that no longer exists.
    const recoverable =
      !recovered && !init.keepalive && path !== '/sessions' && !/^\/sessions\/[^/]+\/processes\/./.test(path) && this.#lab !== null;
    let response: Response;
    try {
      response = await this.#deps.fetch(`${RUNNER_BASE}${path}`, { ...rest, headers });
    } catch (error) {
      if (init.signal?.aborted || !recoverable) throw error;
      return this.#recover(path, init, error);
    }
    if (response.ok) return response;
    const detail = await response
      .json()
      .then((body: unknown) => (body as { error?: string }).error)
      .catch(() => undefined);
    // 403: the server restarted with a new token. 404 on a session route: it restarted and forgot the workspace.
    if (recoverable && (response.status === 403 || (response.status === 404 && path.startsWith('/sessions/')))) {
      return this.#recover(path, init, new Error(detail ?? String(response.status)));
    }
    if (response.status === 403) {
      if (path !== '/sessions') throw new RunnerLostError({ cause: new Error(detail) });
      throw new RuntimeUnavailableError(`The lab runner refused this page (${sentence(detail ?? 'forbidden')}`, 'Reload the page so it gets the runner\'s current token.');
    }
    throw new Error(detail ?? `The lab runner answered ${response.status} ${response.statusText}`);
  }

  /**
   * The runner restarted (new token, sessions forgotten) or stopped: read the page's token again, create
   * a workspace with the learner's current files and repeat the request once. Processes of the old
   * workspace are gone, so their handles end.
   */
  async #recover(path: string, init: RequestInit & { json?: boolean }, cause: unknown): Promise<Response> {
    const lab = this.#lab!;
    try {
      const token = this.#deps.currentToken ? await this.#deps.currentToken() : this.#token;
      if (!token) throw cause;
      this.#token = token;
      for (const tracked of this.#processes.values()) tracked.resolveExit(null);
      this.#processes.clear();
      this.#early.clear();
      this.#session = null;
      const created = await this.#request('/sessions', { method: 'POST', body: JSON.stringify(lab), json: true }, true);
      const { session } = (await created.json()) as CreateSessionResponse;
      this.#session = session;
      this.#listen(session);
    } catch (error) {
      throw new RunnerLostError({ cause: error });
    }
    return this.#request(path.replace(/^\/sessions\/[^/]+/, `/sessions/${this.#session}`), init, true);
  }
}

/** Builds the adapter for this page, reading the token the runner put into it. */
export function localRuntimeFromPage(token: string): LocalRuntime {
  return new LocalRuntime({
    token,
    fetch: (input, init) => fetch(input, init),
    openEvents: (url) => new EventSource(url) as EventsLike,
    // A restarted server writes its new token into the pages it serves: this page, fetched again, has it.
    currentToken: async () => {
      try {
        const page = await fetch(location.href, { cache: 'no-store', credentials: 'same-origin' });
        if (!page.ok) return null;
        return runnerToken(new DOMParser().parseFromString(await page.text(), 'text/html'));
      } catch {
        return null;
      }
    },
    beacon: (url) => navigator.sendBeacon(url),
  });
}

/** Ends a runner message with exactly one full stop and the closing parenthesis. */
function sentence(detail: string): string {
  return `${detail.replace(/[.\s]+$/, '')}).`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
