/**
 * Just enough of npm's version ranges to tell an author that package.json asks for a version the course
 * does not ship: exact versions, `^`, `~`, comparators (`>=1.2 <2`), x-ranges (`5.x`, `*`), hyphen
 * ranges and `||`. Prerelease tags compare as lower than their release. `undefined` for a range it
 * cannot read (a URL, a tag like "latest"), so callers stay silent rather than guess.
 */
type Version = [number, number, number, string];

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([\w.-]+))?(?:\+[\w.-]+)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ''] : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  if (a[3] === b[3]) return 0;
  if (a[3] === '') return 1;
  if (b[3] === '') return -1;
  return a[3] < b[3] ? -1 : 1;
}

/** A partial version such as "5", "5.4" or "5.x": the numbers given, and how many. */
function partial(text: string): { parts: number[]; pre: string } | undefined {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([\w.-]+))?$/.exec(text.trim());
  if (!m) return undefined;
  const parts: number[] = [];
  for (const part of [m[1], m[2], m[3]]) {
    if (part === undefined || /[xX*]/.test(part)) break;
    parts.push(Number(part));
  }
  return { parts, pre: m[4] ?? '' };
}

type Test = (v: Version) => boolean;
const floor = (parts: number[], pre = ''): Version => [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, pre];

function comparator(token: string): Test | undefined {
  const m = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(token);
  const op = m?.[1] ?? '';
  const p = partial(m?.[2] ?? '');
  if (!p) return undefined;
  const { parts, pre } = p;
  const low = floor(parts, pre);
  const bump = (index: number): Version => {
    const next = [...floor(parts)] as Version;
    next[index] = (next[index] as number) + 1;
    for (let i = index + 1; i < 3; i++) next[i] = 0;
    next[3] = '';
    return next;
  };
  const upper = (): Version | undefined => (parts.length === 0 ? undefined : bump(parts.length - 1));
  switch (op) {
    case '^': {
      const index = parts.findIndex((n, i) => n !== 0 || i === parts.length - 1);
      const high = parts.length === 0 ? undefined : bump(Math.max(0, index));
      return (v) => compare(v, low) >= 0 && (high === undefined || compare(v, high) < 0);
    }
    case '~': {
      const high = parts.length === 0 ? undefined : bump(parts.length >= 2 ? 1 : 0);
      return (v) => compare(v, low) >= 0 && (high === undefined || compare(v, high) < 0);
    }
    case '>=': return (v) => compare(v, low) >= 0;
    case '>': {
      const high = upper();
      return (v) => (high === undefined ? false : parts.length === 3 ? compare(v, low) > 0 : compare(v, high) >= 0);
    }
    case '<': return (v) => compare(v, low) < 0;
    case '<=': {
      const high = upper();
      return (v) => (high === undefined ? true : parts.length === 3 ? compare(v, low) <= 0 : compare(v, high) < 0);
    }
    default: {
      const high = upper();
      if (parts.length === 3) return (v) => compare(v, low) === 0;
      return (v) => compare(v, low) >= 0 && (high === undefined || compare(v, high) < 0);
    }
  }
}

/** Whether `version` is in `range`; `undefined` when the range (or version) is not one this reads. */
export function satisfies(version: string, range: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v) return undefined;
  const alternatives = range.trim() === '' ? ['*'] : range.split('||');
  let readable = false;
  for (const alternative of alternatives) {
    const text = alternative.trim().replace(/^(\S+)\s+-\s+(\S+)$/, '>=$1 <=$2').replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1');
    const tests = (text === '' ? ['*'] : text.split(/\s+/)).map(comparator);
    if (tests.some((t) => t === undefined)) continue;
    readable = true;
    // A prerelease only matches a range that names a prerelease of the same version.
    if (v[3] !== '' && !/-/.test(text)) continue;
    if ((tests as Test[]).every((t) => t(v))) return true;
  }
  return readable ? false : undefined;
}
