/**
 * npm run bench:labs — how long each lab's checks take on its solution (median of 5 runs, target ≤ 3 s),
 * and the total time of labs:verify over every lab with all fixtures (target ≤ 30 s on 2 cores).
 * `npm run bench:labs -- 04-backing-services` measures the named labs only (and verifies only them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand, learnerFiles, listLabIds, loadLab, writeWorkspace } from '../src/lab-model/index.ts';
import { verifyLabs } from '../src/lab-model/verify.ts';

const RUNS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

console.log(`Checks on each solution, median of ${RUNS} (${process.env['REDIS_URL'] ? 'Redis at REDIS_URL' : 'embedded Redis'}):`);
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const id of only.length ? only : await listLabIds()) {
  const lab = await loadLab(id);
  const dir = await mkdtemp(join(tmpdir(), `bench-${id}-`));
  await writeWorkspace(dir, lab, learnerFiles(lab, 'solution'));
  const { program, args } = checkCommand(lab.manifest, '--json');
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const run = spawnSync(program, args, { cwd: dir, encoding: 'utf8' });
    times.push(performance.now() - started);
    if (run.status !== 0) console.log(`  ${id}: run ${i + 1} did not pass (exit ${run.status})`);
  }
  await rm(dir, { recursive: true, force: true });
  const m = median(times);
  console.log(`  ${id.padEnd(18)} ${(m / 1000).toFixed(2)} s  ${m <= 3000 ? 'within' : 'OVER'} the 3 s target  (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
}

const started = performance.now();
const reports = await verifyLabs(only, { concurrency: Number(process.env['LABS_VERIFY_CONCURRENCY'] ?? 4) });
const total = performance.now() - started;
console.log(`\nlabs:verify, ${reports.length} variants: ${(total / 1000).toFixed(1)} s  ${total <= 30_000 ? 'within' : 'OVER'} the 30 s target; ${reports.filter((r) => !r.ok).length} unsound`);
