// Writes checker events: NDJSON (protocol v1, see DESIGN.md) for programs, or readable text for people.

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const MARK = { pass: paint('32', '✔'), fail: paint('31', '✘'), error: paint('33', '!') };

export function createReporter(human = false, write = (text) => process.stdout.write(text)) {
  if (!human) return { emit: (event) => write(`${JSON.stringify({ v: 1, ...event })}\n`) };
  const titles = new Map();
  const transcript = new Map();
  return {
    emit(event) {
      if (event.type === 'plan') {
        for (const check of event.checks) titles.set(check.id, check.title);
        write(`${paint('1', `Checking lab ${event.lab}`)} — ${event.checks.length} checks\n\n`);
      } else if (event.type === 'log') {
        const lines = transcript.get(event.check) ?? [];
        lines.push(`${event.source === 'app' ? '  app │' : '      ·'} ${event.text}`);
        transcript.set(event.check, lines);
      } else if (event.type === 'result') {
        write(`${MARK[event.status]} ${titles.get(event.check) ?? event.check} ${paint('2', `(${event.ms} ms)`)}\n`);
        if (event.status === 'pass') return;
        write(indent(event.message));
        if (event.expected) write(indent(labelled('expected: ', event.expected)));
        if (event.actual) write(indent(labelled('actual:   ', event.actual)));
        for (const hint of event.hints) write(indent(`try: ${hint}`));
        if (transcript.has(event.check)) write(paint('2', `    what the checker did:\n${digest(transcript.get(event.check)).map((l) => `    ${l}`).join('\n')}\n`));
        write('\n');
      } else if (event.type === 'done') {
        const summary = `${event.passed} passed, ${event.failed} failed, ${event.errored} could not run`;
        const color = event.status === 'pass' ? '32' : event.status === 'fail' ? '31' : '33';
        write(`\n${paint(color, event.status === 'pass' ? 'All checks pass.' : summary)}\n`);
      }
    },
  };
}

// Every checker step, but only the last few app lines: the app's own log can run to hundreds of lines.
// The note about the lines left out stands where they were, so the steps keep their order.
function digest(lines) {
  const total = lines.filter((l) => l.startsWith('  app')).length;
  const hidden = total - 4;
  if (hidden <= 0) return lines;
  const kept = [];
  let seen = 0;
  for (const line of lines) {
    if (!line.startsWith('  app')) kept.push(line);
    else if (++seen > hidden) kept.push(line);
    else if (seen === hidden) kept.push(`  app │ (${hidden} ${hidden === 1 ? 'line' : 'lines'} not shown)`);
  }
  return kept;
}

/** `label` before the first line of `text`; later lines start under the first, so columns stay aligned. */
function labelled(label, text) {
  return String(text).split('\n').map((line, i) => (i === 0 ? label : ' '.repeat(label.length)) + line).join('\n');
}

function indent(text) {
  return `${String(text).split('\n').map((line) => `    ${line}`).join('\n')}\n`;
}
