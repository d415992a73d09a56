/** What labs:verify prints: the table of verdicts, the notes on what is unsound, and one run's transcript. */
import type { CheckEvent } from '../src/lab-model/check-events.ts';
import type { ModelChoice, VariantReport } from '../src/lab-model/verify.ts';
import { quietRunCommand, timingWarnings } from '../src/lab-model/verify-timing.ts';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function table(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  }
}

/** Prints the table and the notes; returns how many runs were not as expected. */
export function summarise(reports: VariantReport[], options: { repeat: number; models: ModelChoice[]; seconds: number; table: boolean }): number {
  const groups = new Map<string, VariantReport[]>();
  for (const r of reports) {
    const key = `${r.lab}\0${r.variant}\0${r.model}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  if (options.table && reports.length) {
    console.log('');
    const rows = [['lab', 'variant', ...(options.models.length > 1 ? ['model'] : []), 'verdict', 'expected', 'time', 'calibration', '']];
    for (const runs of groups.values()) {
      const first = runs[0] as VariantReport;
      const verdicts = new Map<string, number>();
      for (const r of runs) verdicts.set(r.verdict, (verdicts.get(r.verdict) ?? 0) + 1);
      const verdict = [...verdicts].map(([v, n]) => (verdicts.size > 1 || options.repeat > 1 ? `${v} ×${n}` : v)).join(' | ');
      const ok = runs.filter((r) => r.ok).length;
      const factors = runs.flatMap((r) => (r.calibration ? [`×${r.calibration.factor}`] : []));
      rows.push([
        first.lab, first.variant, ...(options.models.length > 1 ? [first.model] : []), verdict, first.expected,
        secs(median(runs.map((r) => r.ms))), factors.join(' ') || '—',
        ok === runs.length ? 'ok' : runs.length > 1 ? `UNSOUND ${runs.length - ok}/${runs.length}` : 'UNSOUND',
      ]);
    }
    table(rows);
  }

  const unsound = reports.filter((r) => !r.ok);
  for (const runs of groups.values()) {
    const bad = runs.filter((r) => !r.ok);
    if (!bad.length) continue;
    const first = bad[0] as VariantReport;
    const where = `${first.lab} ${first.variant}${options.models.length > 1 ? ` [${first.model}]` : ''}`;
    console.log(`\n✘ ${where}${runs.length > 1 ? ` (${bad.length} of ${runs.length} runs)` : ''}: ${first.note}`);
    if (first.variant !== 'check.mjs') console.log(`  Transcript: npm run labs:verify -- --show ${first.lab}/${first.variant.replace(/^(fixture|variant) /, '')}${options.models.length > 1 ? ` --model ${first.model}` : ''}`);
  }

  // Close calls to a time bound: warnings, never failures (see verify-timing.ts).
  for (const warning of timingWarnings(reports)) {
    console.log(`\n⚠ ${warning.text}`);
    console.log(`  A correct answer must pass at the idle bound. On a quiet machine, try: ${quietRunCommand(warning)}`);
  }

  const calibrations = reports.flatMap((r) => (r.calibration ? [r.calibration] : []));
  if (calibrations.length) {
    const factors = calibrations.map((c) => c.factor);
    const baselines = calibrations.map((c) => c.baselineMs);
    console.log(
      `\nCalibration: time budgets ×${Math.min(...factors)} to ×${Math.max(...factors)} (median ×${median(factors)}); ` +
        `a minimal app started and answered in ${Math.min(...baselines)}–${Math.max(...baselines)} ms here, ${calibrations[0]?.referenceMs} ms on an idle machine.`,
    );
  }
  for (const lab of new Set(reports.map((r) => r.lab))) {
    const variants = new Set(reports.filter((r) => r.lab === lab && r.variant.startsWith('variant ')).map((r) => r.variant)).size;
    if (options.table && variants < 3) console.log(`Note: ${lab} has ${variants} correct variant${variants === 1 ? '' : 's'} (variants/<name>/variant.json); a finished lab has at least three.`);
  }
  const perLab = [...new Set(reports.map((r) => r.lab))].map((lab) => `${lab} ${secs(median(reports.filter((r) => r.lab === lab && r.ms > 0).map((r) => r.ms)))}`);
  if (options.table && perLab.length) console.log(`Median run per lab: ${perLab.join(', ')}.`);
  const wrong = unsound.length ? `${unsound.length} wrong verdict${unsound.length === 1 ? '' : 's'}` : 'no wrong verdicts';
  console.log(`\n${reports.length - unsound.length}/${reports.length} runs as expected (${wrong}) in ${options.seconds.toFixed(1)} s.`);
  return unsound.length;
}

function printEvent(event: CheckEvent): void {
  switch (event.type) {
    case 'plan': {
      const c = event.calibration;
      console.log(`plan: ${event.checks.map((check) => check.id).join(', ')}`);
      if (c) console.log(`calibration: time budgets ×${c.factor} (a minimal app took ${c.baselineMs} ms here, ${c.referenceMs} ms on an idle machine)`);
      return;
    }
    case 'log':
      console.log(`  ${event.check || '-'} ${event.source === 'app' ? '│ app │' : '│'} ${event.text}`);
      return;
    case 'result': {
      const mark = { pass: '✔', fail: '✘', error: '!' }[event.status];
      console.log(`${mark} ${event.check} (${event.status}, ${event.ms} ms): ${event.message}`);
      if (event.expected) console.log(`    expected: ${event.expected.replaceAll('\n', '\n              ')}`);
      if (event.actual) console.log(`    actual:   ${event.actual.replaceAll('\n', '\n              ')}`);
      for (const hint of event.hints) console.log(`    hint: ${hint}`);
      return;
    }
    case 'done':
      console.log(`done: ${event.status} (${event.passed} passed, ${event.failed} failed, ${event.errored} errored)`);
  }
}

/** One run in full: every event the checker wrote, then its stderr, then the verdict on it. */
export function printTranscript(report: VariantReport): void {
  console.log(`━━ ${report.lab} ${report.variant} [${report.model}]${report.round > 1 ? ` #${report.round}` : ''}, expected: ${report.expected}`);
  for (const event of report.events) printEvent(event);
  if (report.stderr.trim()) console.log(`stderr:\n${report.stderr.trimEnd()}`);
  console.log(report.ok ? `→ as expected (${secs(report.ms)})\n` : `→ UNSOUND: ${report.note}\n`);
}
