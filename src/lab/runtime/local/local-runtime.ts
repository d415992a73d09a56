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
import { lineSplitter, missingVerdict, parseCheckEvent } from '../ndjson.ts';
import { spotAppUrl } from '../app-url.ts';
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
  openEvents: (url: string) => Pick<EventSource, 'onmessage' | 'onerror' | 'close'>;
}

interface Tracked {
  onOutput: (chunk: string) => void;
  resolveExit: (code: number | null) => void;
}

const REMEDY = 'Restart the course with “npm start” and reload this page.';

export class LocalRuntime implements LabRuntime {
  readonly kind = 'local' as const;
  readonly #deps: LocalDeps;
  #session: string | null = null;
  #lab: LabMount | null = null;
  #events: Pick<EventSource, 'onmessage' | 'onerror' | 'close'> | null = null;
  readonly #processes = new Map<string, Tracked>();
  /** Events that arrived before the request that started their process returned. */
  readonly #early = new Map<string, RunnerEvent[]>();

  constructor(deps: LocalDeps) {
    this.#deps = deps;
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
    return this.#start({ command }, options);
  }

  shell(options: RunOptions): Promise<ProcessHandle | null> {
    return this.#start({ shell: true }, options);
  }

  async check(onEvent: (event: CheckEvent) => void, signal?: AbortSignal): Promise<DoneEvent> {
    const response = await this.#request(`/sessions/${this.#sid()}/check`, { method: 'POST', ...(signal ? { signal } : {}) });
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

  async dispose(): Promise<void> {
    this.#events?.close();
    this.#events = null;
    for (const tracked of this.#processes.values()) tracked.resolveExit(null);
    this.#processes.clear();
    const session = this.#session;
    this.#session = null;
    // keepalive lets the runner free the workspace even when this runs during page unload.
    if (session) await this.#request(`/sessions/${session}`, { method: 'DELETE', keepalive: true }).catch(() => undefined);
  }

  async #start(body: StartProcessRequest, options: RunOptions): Promise<ProcessHandle> {
    const sid = this.#sid();
    const response = await this.#request(`/sessions/${sid}/processes`, { method: 'POST', body: JSON.stringify(body), json: true });
    const { process: pid } = (await response.json()) as StartProcessResponse;
    let resolveExit!: (code: number | null) => void;
    const exit = new Promise<number | null>((resolve) => (resolveExit = resolve));
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
      write: (data) => send('stdin', data, ''),
      kill,
      interrupt: () => {
        if (this.#processes.has(pid)) send('interrupt', undefined, 'Ctrl-C did not reach the runner: ');
      },
    };
  }

  #listen(session: string): void {
    this.#events?.close();
    const url = `${RUNNER_BASE}/sessions/${session}/events?token=${encodeURIComponent(this.#deps.token)}`;
    const events = this.#deps.openEvents(url);
    events.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as RunnerEvent;
      if (this.#processes.has(event.process)) this.#dispatch(event);
      else this.#early.set(event.process, [...(this.#early.get(event.process) ?? []), event]);
    };
    this.#events = events;
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
    tracked.resolveExit(event.code);
  }

  #sid(): string {
    if (!this.#session) throw new Error('The lab workspace is not mounted yet.');
    return this.#session;
  }

  async #request(path: string, init: RequestInit & { json?: boolean }, retry = true): Promise<Response> {
    const { json, ...rest } = init;
    const headers: Record<string, string> = { [TOKEN_HEADER]: this.#deps.token };
    if (json) headers['content-type'] = 'application/json';
    else if (init.body !== undefined) headers['content-type'] = 'text/plain; charset=utf-8';
    const response = await this.#deps.fetch(`${RUNNER_BASE}${path}`, { ...rest, headers });
    if (response.ok) return response;
    const detail = await response
      .json()
      .then((body: unknown) => (body as { error?: string }).error)
      .catch(() => undefined);
    if (response.status === 404 && retry && path.startsWith('/sessions/') && this.#lab && !init.keepalive) {
      // The runner restarted and forgot this workspace: mount the learner's current files again, once.
      const lab = this.#lab;
      this.#session = null;
      await this.mount(lab);
      return this.#request(path.replace(/^\/sessions\/[^/]+/, `/sessions/${this.#sid()}`), init, false);
    }
    if (response.status === 403) {
      throw new RuntimeUnavailableError(`The lab runner refused this page (${detail ?? 'forbidden'}).`, 'Reload the page so it gets the runner\'s current token.');
    }
    throw new Error(detail ?? `The lab runner answered ${response.status} ${response.statusText}`);
  }
}

/** Builds the adapter for this page, reading the token the runner put into it. */
export function localRuntimeFromPage(token: string): LocalRuntime {
  return new LocalRuntime({
    token,
    fetch: (input, init) => fetch(input, init),
    openEvents: (url) => new EventSource(url),
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
