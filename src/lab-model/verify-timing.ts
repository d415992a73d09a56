/**
 * Passing checks that came close to a time bound. A run scales every bound to the machine (the calibration
 * factor), so on a loaded machine an answer that is slow for a reason of its own (a client library's
 * reconnect timer keeping the process alive, a fixed sleep) still passes, and the lab looks sound when a
 * quiet machine would fail that answer. The kit reports, with each result, the bound the check came closest
 * to (`timing`). labs:verify warns, without failing, when a passing check
 *   - used more than half of the bound the run judged by (its idle figure × the calibration factor), or
 *   - is a correct variant that took at least twice as long as the solution did at the same wait, and more
 *     than half its idle figure: load slows both alike, so that much slower is the variant's own doing.
 */
import type { ResultEvent, ResultTiming } from './check-events.ts';
import type { VariantReport } from './verify.ts';

/** A passing check over this share of its scaled bound is worth a look on a quiet machine. */
export const CLOSE_SHARE = 0.5;
/** A variant this many times slower than the solution at the same wait is slow for a reason of its own. */
export const SLOWER_THAN_SOLUTION = 2;

export interface TimingWarning {
  lab: string;
  variant: string;
  check: string;
  /** How close it came, for keeping the closest of several runs. */
  share: number;
  text: string;
}

type Report = Pick<VariantReport, 'lab' | 'variant' | 'events' | 'calibration'>;

const secs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`);
const timed = (report: Report) =>
  report.events.filter((e): e is ResultEvent & { timing: ResultTiming } => e.type === 'result' && e.status === 'pass' && e.timing !== undefined);

/** Warnings for `reports` (any number of runs), one per lab, variant and check: the closest of its runs. */
export function timingWarnings(reports: Report[]): TimingWarning[] {
  // What the solution took at each wait, per lab and check (the fastest of its runs).
  const solution = new Map<string, number>();
  for (const report of reports.filter((r) => r.variant === 'solution')) {
    for (const { check, timing } of timed(report)) {
      const key = `${report.lab}\0${check}\0${timing.wait}`;
      solution.set(key, Math.min(solution.get(key) ?? Infinity, timing.observedMs));
    }
  }
  const closest = new Map<string, TimingWarning>();
  for (const report of reports) {
    const factor = report.calibration?.factor ?? 1;
    for (const { check, timing } of timed(report)) {
      const { wait, observedMs, idleMs } = timing;
      const judged = Math.min(timing.boundMs, idleMs * factor);
      const share = observedMs / judged;
      const reference = report.variant.startsWith('variant ') ? solution.get(`${report.lab}\0${check}\0${wait}`) : undefined;
      const slower = reference !== undefined && reference > 0 && observedMs >= reference * SLOWER_THAN_SOLUTION && observedMs > idleMs * CLOSE_SHARE;
      if (share <= CLOSE_SHARE && !slower) continue;
      const scaled = factor > 1 ? `${secs(judged)} this run allowed (${secs(idleMs)} on an idle machine × ${factor})` : `${secs(idleMs)} bound`;
      const how = slower
        ? `${Number((observedMs / (reference as number)).toFixed(1))}× as long as the solution (${secs(reference as number)}), against an idle bound of ${secs(idleMs)}: it may pass only because this run scaled the bound to ${secs(judged)}`
        : `${Math.round(share * 100)}% of the ${scaled}`;
      const warning = { lab: report.lab, variant: report.variant, check, share: slower ? Math.max(share, observedMs / idleMs) : share, text: `${report.lab} ${report.variant}: ${check} passed, but ${wait} took ${secs(observedMs)}, ${how}.` };
      const key = `${report.lab}\0${report.variant}\0${check}`;
      if ((closest.get(key)?.share ?? -1) < warning.share) closest.set(key, warning);
    }
  }
  return [...closest.values()];
}

/** How to look at one run against the idle bounds: the command to print. */
export function quietRunCommand(report: Pick<VariantReport, 'lab' | 'variant'>): string {
  return `LAB_CALIBRATION_FACTOR=1 npm run labs:verify -- --concurrency 1 --show ${report.lab}/${report.variant.replace(/^(fixture|variant) /, '')}`;
}
