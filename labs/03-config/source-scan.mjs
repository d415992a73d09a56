// Finds configuration written into the learner's code: Redis URLs, Redis's port, hosts and passwords.
// Comments are ignored, so explaining a setting in a comment is fine.

const PATTERNS = [
  { what: 'a Redis URL', re: /rediss?:\/\/[^'"`\s]*/ },
  { what: "Redis's default port", re: /(?<![\w.])6379(?![\w])/ },
  { what: 'a password or secret', re: /\b(password|passwd|pass|secret|token)\b\s*[:=]\s*['"`][^'"`]+['"`]/i },
  { what: 'a host name', re: /\bhost(name)?\b\s*[:=]\s*['"`][^'"`]+['"`]/i },
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

export async function findHardcodedConfig(t) {
  const findings = [];
  for (const file of t.manifest.files.visible.filter((f) => /\.(m?js|cjs|ts)$/.test(f))) {
    const text = await t.read(file);
    if (text === undefined) continue;
    const state = { block: false };
    text.split('\n').forEach((raw, i) => {
      const code = stripComments(raw, state);
      for (const { what, re } of PATTERNS) {
        const match = code.match(re);
        if (match) findings.push({ file, line: i + 1, what, text: raw.trim() });
      }
    });
  }
  t.log(`scanned the source for hard-coded settings: ${findings.length} found`);
  return findings;
}
