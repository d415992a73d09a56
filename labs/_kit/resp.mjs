// RESP2 encoding shared by the embedded server and the connection watcher.

const CRLF = '\r\n';

/** Encodes a reply value the way Redis would send it. */
export function encode(value) {
  if (value === null || value === undefined) return Buffer.from(`$-1${CRLF}`);
  if (value instanceof Error) return Buffer.from(`-${value.message.replace(/[\r\n]+/g, ' ')}${CRLF}`);
  if (typeof value === 'number') return Number.isInteger(value) ? Buffer.from(`:${value}${CRLF}`) : encode(String(value));
  if (typeof value === 'boolean') return Buffer.from(`:${value ? 1 : 0}${CRLF}`);
  if (Buffer.isBuffer(value)) return Buffer.concat([Buffer.from(`$${value.length}${CRLF}`), value, Buffer.from(CRLF)]);
  // EXEC replies hold +OK statuses (a queued SET) as well as values.
  if (Array.isArray(value)) return Buffer.concat([Buffer.from(`*${value.length}${CRLF}`), ...value.map(encodeReply)]);
  if (typeof value === 'object') {
    // Hash replies (HGETALL) come back from the mock as objects; Redis sends a flat field/value array.
    return encode(Object.entries(value).flat());
  }
  const text = Buffer.from(String(value));
  return Buffer.concat([Buffer.from(`$${text.length}${CRLF}`), text, Buffer.from(CRLF)]);
}

/** A simple-string reply such as +OK. */
export function status(text) {
  return { status: text };
}

export function encodeReply(value) {
  if (value && typeof value === 'object' && 'status' in value && Object.keys(value).length === 1) return Buffer.from(`+${value.status}${CRLF}`);
  return encode(value);
}

/** Encodes a command as a client sends it. */
export function encodeCommand(args) {
  return Buffer.concat([Buffer.from(`*${args.length}${CRLF}`), ...args.map((a) => encode(Buffer.isBuffer(a) ? a : Buffer.from(String(a))))]);
}
