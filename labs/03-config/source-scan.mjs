// Finds configuration written into the learner's code: Redis URLs, Redis's port, hosts and passwords.
// Comments are ignored, so explaining a setting in a comment is fine.

// Most specific first: a line reports only the first kind it matches, so one literal counts once
// (a Redis URL also holds Redis's port, and perhaps a password).
const PATTERNS = [
  { what: 'a Redis URL with a password', re: /rediss?:\/\/[^'"`\s@/]*:[^'"`\s@/]+@[^'"`\s]*/ },
  { what: 'a Redis URL', re: /rediss?:\/\/[^'"`\s]*/ },
  { what: 'a password or secret', re: /\b(password|passwd|pass|secret|token)\b\s*[:=]\s*['"`][^'"`]+['"`]/i },
  { what: 'a host name', re: /\bhost(name)?\b\s*[:=]\s*['"`][^'"`]+['"`]/i },
  { what: "Redis's default port", re: /(?<![\w.])6379(?![\w])/ },
];

function stripComments(line, state) {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (state.block) {
      if (line.startsWith('*/', i)) (state.block = false), i++;
      continue;
    }
    if (line.startsWith('/*', i)) (state.block = true), i++;
    else if (line.startsWith('//', i) && !/[:]$/.test(out)) break; // keep "redis://" inside strings
    else out += line[i];
  }
  return out;
}

/** One finding per line that holds a setting: `{ file, line, what, text }`. */
export async function findHardcodedConfig(t) {
  const findings = [];
  for (const file of t.manifest.files.visible.filter((f) => /\.(m?js|cjs|ts)$/.test(f))) {
    const text = await t.read(file);
    if (text === undefined) continue;
    const state = { block: false };
    text.split('\n').forEach((raw, i) => {
      const code = stripComments(raw, state);
      const found = PATTERNS.find(({ re }) => re.test(code));
      if (found) findings.push({ file, line: i + 1, what: found.what, text: raw.trim() });
    });
  }
  t.log(`scanned the source for hard-coded settings: found on ${findings.length} ${findings.length === 1 ? 'line' : 'lines'}`);
  return findings;
}
