// Reads the app's output the way a log pipeline would: every line on stdout should be one JSON object,
// an event. Finds the request events among them, pairs them with the checker's requests, and explains
// lines that are not events (pretty-printed JSON, Node's inspect format, plain text).

// The names the checker reads for each field, the course's own first. Other spellings are common
// enough (pino writes `responseTime`, many loggers `timestamp` and `message`) that refusing them would
// teach nothing about the factor.
const NAMES = {
  time: ['time', 'timestamp'],
  level: ['level'],
  msg: ['msg', 'message'],
  method: ['method'],
  path: ['path', 'url'],
  status: ['status', 'statusCode'],
  duration: ['duration', 'durationMs', 'duration_ms', 'responseTime'],
};

/** `{ key, value }` of the first name under which `event` holds field `name`, or undefined. */
export function field(event, name) {
  for (const key of NAMES[name]) if (event[key] !== undefined && event[key] !== null) return { key, value: event[key] };
  return undefined;
}

export const namesOf = (name) => NAMES[name].join(' or ');

function parseObject(text) {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A request event names the request it is about: it has a method or a path. */
export const isRequestEvent = (event) => field(event, 'method') !== undefined || field(event, 'path') !== undefined;

/**
 * The app's output on one stream, read as a log pipeline reads it.
 * @returns {{ events: { event: object, text: string, at?: number }[], requestEvents: { event: object, text: string, at?: number }[], strays: string[] }}
 */
export function readStream(app, stream) {
  const events = [];
  const strays = [];
  for (const line of app.lines) {
    if (line.stream !== stream || line.text.trim() === '') continue;
    const event = parseObject(line.text);
    if (event) events.push({ event, text: line.text, at: line.at });
    else strays.push(line.text);
  }
  return { events, requestEvents: events.filter((e) => isRequestEvent(e.event)), strays };
}

/** What the lines that are not JSON objects look like, and what to do about it. */
export function explainStrays(strays) {
  const quoted = strays.slice(0, 4).map((text) => `  ${text.length > 100 ? `${text.slice(0, 97)}…` : text}`).join('\n');
  const more = strays.length > 4 ? `\n  … ${strays.length - 4} more` : '';
  const shown = `${quoted}${more}`;
  if (strays.some((t) => /^\s*"[^"]+"\s*:/.test(t)) && strays.some((t) => /^\s*[{}],?\s*$/.test(t))) {
    return {
      what: 'JSON spread over several lines, as JSON.stringify(value, null, 2) prints it. A log pipeline cuts the stream at every newline, so each piece arrives as a broken event',
      hint: 'Call JSON.stringify(event) with no indentation: it never puts a newline inside the text, so one event stays one line.',
      shown,
    };
  }
  if (strays.some((t) => /^\s*\{?\s*[A-Za-z_$][\w$]*: (?:'|\d|true|false|null|undefined|\[|\{)/.test(t))) {
    return {
      what: "Node's inspect format, which console.log(object) prints: keys without quotes, strings in single quotes, long objects broken over several lines. It looks like JSON, but no JSON parser accepts it",
      hint: 'Turn the object into text yourself: console.log(JSON.stringify(event)) or process.stdout.write(JSON.stringify(event) + "\\n").',
      shown,
    };
  }
  return {
    what: 'plain text, which a log pipeline can keep only as one opaque string: it cannot filter it by status or chart its durations',
    hint: 'Make every line on stdout a JSON object, the startup message included, e.g. {"time":…,"level":"info","msg":"listening","port":3000}.',
    shown,
  };
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const PINO_LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** The level as a lower-case word (pino's numbers are translated), or undefined. */
export function levelOf(event) {
  const value = field(event, 'level')?.value;
  if (typeof value === 'number') return PINO_LEVELS[value];
  return typeof value === 'string' && value.trim() ? value.trim().toLowerCase() : undefined;
}

const isErrorLevel = (level) => level === 'error' || level === 'fatal';
const pathname = (path) => String(path).split('?')[0];
const keyOf = (method, path) => `${String(method ?? '').toUpperCase()} ${pathname(path ?? '')}`;

/** Whether `event` names the same method and path as `req` (the query may be left out). */
export function sameRequest(req, event) {
  return keyOf(field(event, 'method')?.value ?? req.method, field(event, 'path')?.value) === keyOf(req.method, req.path);
}

/**
 * Pairs each request with the event that logs it: same method and path (the query may be left out),
 * the same status first, in the order the answers came. Returns the pairs, the requests without an
 * event, and the request events that belong to no request (duplicates).
 */
export function pairUp(requests, requestEvents) {
  const unused = [...requestEvents];
  const pairs = [];
  const missing = [];
  for (const req of [...requests].sort((a, b) => a.doneAt - b.doneAt)) {
    const candidates = unused.filter((e) => sameRequest(req, e.event));
    const chosen = candidates.find((e) => field(e.event, 'status')?.value === req.status) ?? candidates[0];
    if (!chosen) {
      missing.push(req);
      continue;
    }
    unused.splice(unused.indexOf(chosen), 1);
    pairs.push({ req, ...chosen });
  }
  return { pairs, missing, extra: unused };
}

/**
 * What is wrong with one request's event, as short sentences (empty when it is right).
 * `tolerance.clockMs`: how far `time` may lie outside the request; `tolerance.durationMs`: how much
 * longer than the checker measured the logged duration may be.
 */
export function problemsWith({ req, event }, tolerance) {
  const problems = [];
  const time = field(event, 'time');
  if (!time) problems.push(`no time (read from ${namesOf('time')})`);
  else if (typeof time.value !== 'string' || !ISO_8601.test(time.value)) {
    problems.push(`${time.key} is ${JSON.stringify(time.value)}, not an ISO-8601 time with its time zone such as ${JSON.stringify(new Date(req.doneWall).toISOString())}`);
  } else {
    const at = Date.parse(time.value);
    const early = req.sentWall - tolerance.clockMs;
    const late = req.doneWall + tolerance.clockMs;
    if (!(at >= early && at <= late)) {
      const offBy = Math.round((at < early ? req.sentWall - at : at - req.doneWall) / 1000);
      problems.push(`${time.key} is ${time.value}, ${offBy} s ${at < early ? 'before' : 'after'} the request by the checker's clock (${new Date(req.doneWall).toISOString()})`);
    }
  }
  const level = levelOf(event);
  if (!level) problems.push('no level');
  else if (req.status >= 500 && !isErrorLevel(level)) problems.push(`level is "${level}" for a request that failed with ${req.status}: an alert watching for errors would miss it`);
  else if (req.status < 400 && isErrorLevel(level)) problems.push(`level is "${level}" for a request that succeeded with ${req.status}`);
  const msg = field(event, 'msg')?.value;
  if (typeof msg !== 'string' || !msg.trim()) problems.push(`no msg (read from ${namesOf('msg')}) saying what happened`);
  const method = field(event, 'method')?.value;
  if (method === undefined) problems.push('no method');
  else if (String(method).toUpperCase() !== req.method) problems.push(`method is ${JSON.stringify(method)}, the request was ${req.method}`);
  const path = field(event, 'path')?.value;
  if (path === undefined) problems.push(`no path (read from ${namesOf('path')})`);
  else if (path !== req.path && path !== pathname(req.path)) problems.push(`path is ${JSON.stringify(path)}, the request was for ${req.path}`);
  const status = field(event, 'status');
  if (!status) problems.push(`no status (read from ${namesOf('status')})`);
  else if (status.value !== req.status) {
    problems.push(`${status.key} is ${JSON.stringify(status.value)}, but the answer was ${req.status}${status.value === 200 && req.status !== 200 ? ': was the event written before the answer was known?' : ''}`);
  }
  const duration = field(event, 'duration');
  if (!duration) problems.push(`no duration (read from ${namesOf('duration')}), in milliseconds`);
  else if (typeof duration.value !== 'number' || !Number.isFinite(duration.value) || duration.value < 0) {
    problems.push(`${duration.key} is ${JSON.stringify(duration.value)}, not a number of milliseconds`);
  } else if (duration.value > req.ms + tolerance.durationMs) {
    problems.push(`${duration.key} is ${duration.value} ms, but the whole request took ${Math.round(req.ms)} ms as the checker measured it`);
  } else if (req.slowMs && duration.value < req.slowMs * 0.9) {
    const seconds = Math.abs(duration.value - req.ms / 1000) < 0.2 * (req.ms / 1000);
    problems.push(`${duration.key} is ${duration.value}, but this request took ${Math.round(req.ms)} ms${seconds ? ': that looks like seconds; log milliseconds' : duration.value < 5 ? ': was the event written before the work was done?' : ''}`);
  }
  return problems;
}
