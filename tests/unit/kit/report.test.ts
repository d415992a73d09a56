import { describe, expect, it } from 'vitest';
import { createReporter as createReporterUntyped } from '../../../labs/_kit/report.mjs';

const createReporter = createReporterUntyped as unknown as (human: boolean, write: (text: string) => void) => { emit(event: Record<string, unknown>): void };

/** What `npm run check` prints for one failed check with `logs` in its transcript. */
function human(result: Record<string, unknown>, logs: Array<[source: 'app' | 'checker', text: string]>): string {
  let out = '';
  const reporter = createReporter(true, (text) => (out += text));
  reporter.emit({ type: 'plan', lab: '99-test', checks: [{ id: 'c', title: 'Listens on PORT' }] });
  for (const [source, text] of logs) reporter.emit({ type: 'log', check: 'c', source, text });
  reporter.emit({ type: 'result', check: 'c', hints: [], ms: 5, ...result });
  return out.replace(/\x1b\[\d+m/g, '');
}

describe('the human report', () => {
  it('lines up every line of expected and actual under the first', () => {
    const out = human({ status: 'error', message: 'The app crashed.', expected: 'a\nb', actual: 'Error: boom\napp.js:1\nthrow x;\n^' }, []);
    expect(out).toContain(['    expected: a', '              b', '    actual:   Error: boom', '              app.js:1', '              throw x;', '              ^'].join('\n'));
  });

  it('says how many app lines it leaves out where they were, after the step that started the app', () => {
    const logs: Array<['app' | 'checker', string]> = [['checker', 'started the app: PORT=1 node app.js'], ...Array.from({ length: 10 }, (_, i): ['app', string] => ['app', `the app: line ${i + 1}`]), ['checker', 'sent GET /']];
    const out = human({ status: 'fail', message: 'No answer.' }, logs);
    const transcript = out.slice(out.indexOf('what the checker did:')).split('\n').slice(1, 8).map((l) => l.trim());
    expect(transcript).toEqual(['· started the app: PORT=1 node app.js', 'app │ (6 lines not shown)', 'app │ the app: line 7', 'app │ the app: line 8', 'app │ the app: line 9', 'app │ the app: line 10', '· sent GET /']);
  });
});
