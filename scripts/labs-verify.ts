/**
 * npm run labs:verify -- [lab…] [options] — proves labs sound (see src/lab-model/verify.ts) and prints a
 * table. Uses the embedded Redis, or the Redis at REDIS_URL when set. Exits 1 when any lab is unsound,
 * 2 on a usage error. `--help` lists the options.
 */
import { LabError, listLabIds } from '../src/lab-model/index.ts';
import { DEFAULT_CONCURRENCY, verifyLabs, type ModelChoice, type VariantReport } from '../src/lab-model/verify.ts';
import { MAX_LOAD, startBusyLoad } from '../src/lab-model/busy-load.ts';
import { printTranscript, summarise } from './labs-verify-output.ts';

const USAGE = `Usage: npm run labs:verify -- [lab…] [options]

Proves each lab sound: its starter fails, its solution and correct variants pass, and every fixture
fails at the check it names. With no lab ids, every lab.

Options:
  --repeat N          run every variant N times (default 1) and count wrong verdicts
  --load N            keep N extra processes busy for the whole run (0 to ${MAX_LOAD}), as on a loaded machine
  --model M           process model for the checker: posix, portable, both, or auto (the kit chooses);
                      default: both when CI is set, else auto
  --concurrency N     variants at once (default ${DEFAULT_CONCURRENCY}; LABS_VERIFY_CONCURRENCY sets it too);
                      on a shared or small machine (2 cores, other people's tests) pass 1 or 2
  --show LAB/VARIANT  run one variant and print its full transcript, e.g. --show 03-config/greeting-typo
                      (VARIANT: starter, solution, or the name of a fixture or variant)
  --help              print this

A passing check that used more than half of a time bound, or a correct variant much slower than the
solution, is reported with a warning (never a failure): a correct answer must pass at the idle bound.
To see one run against the idle bounds on a quiet machine:
  LAB_CALIBRATION_FACTOR=1 npm run labs:verify -- --concurrency 1 --show LAB/VARIANT

Examples:
  npm run labs:verify -- 03-config --concurrency 2
  npm run labs:verify -- --repeat 3 --load 2 --model both
  bash scripts/with-redis-server.sh npm run labs:verify     (against a real redis-server)`;

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

const VALUED = new Set(['--repeat', '--load', '--model', '--concurrency', '--show']);
const ids: string[] = [];
const flags = new Map<string, string>();
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i] as string;
  if (!arg.startsWith('-')) {
    ids.push(arg);
    continue;
  }
  const [name, inline] = arg.split('=', 2) as [string, string | undefined];
  if (!VALUED.has(name)) usageError(`${arg} is not an option of labs:verify.`);
  const value = inline ?? argv[++i];
  if (value === undefined || value.startsWith('--')) usageError(`${name} needs a value.`);
  flags.set(name, value);
}

const whole = (name: string, fallback: number, min: number, max: number): number => {
  const text = flags.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) usageError(`${name} takes a whole number from ${min} to ${max} (got "${text}").`);
  return value;
};
const repeat = whole('--repeat', 1, 1, 100);
const load = whole('--load', 0, 0, MAX_LOAD);
const concurrency = whole('--concurrency', Number(process.env['LABS_VERIFY_CONCURRENCY'] ?? DEFAULT_CONCURRENCY), 1, 16);
const modelFlag = flags.get('--model') ?? (process.env['CI'] ? 'both' : 'auto');
const MODELS: Record<string, ModelChoice[]> = { posix: ['posix'], portable: ['portable'], both: ['posix', 'portable'], auto: ['auto'] };
const models = MODELS[modelFlag] ?? usageError(`--model takes posix, portable, both or auto (got "${modelFlag}").`);

const known = await listLabIds();
for (const id of ids) if (!known.includes(id)) usageError(`"${id}" is not a lab; labs are ${known.join(', ')}.`);

// --show LAB/VARIANT: which lab, and the variant's name as the verifier knows it.
let variants: string[] | undefined;
const show = flags.get('--show');
if (show !== undefined) {
  const [lab, ...rest] = show.split('/');
  const name = rest.join('/').replace(/^(fixtures|variants)\//, '');
  if (!lab || !known.includes(lab) || !name) usageError(`--show takes LAB/VARIANT, e.g. --show 03-config/greeting-typo; labs are ${known.join(', ')}.`);
  ids.splice(0, ids.length, lab);
  variants = name === 'starter' || name === 'solution' ? [name] : [`fixture ${name}`, `variant ${name}`];
}

const started = performance.now();
const redis = process.env['REDIS_URL'] ? 'the Redis at REDIS_URL' : 'the embedded Redis';
const modelText = models.map((m) => (m === 'auto' ? 'the automatic process model' : m)).join(' and ');
console.log(
  `Verifying ${ids.length ? ids.join(', ') : 'every lab'} against ${redis}, in ${modelText}, ${concurrency} at a time` +
    `${repeat > 1 ? `, ${repeat} rounds` : ''}${load ? `, with ${load} busy process${load === 1 ? '' : 'es'} loading the machine` : ''}…\n`,
);

const busy = startBusyLoad(load);
const stopBusy = (): void => busy.stop();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => {
  stopBusy();
  process.exit(130);
});

let reports: VariantReport[];
try {
  reports = await verifyLabs(ids, {
    concurrency,
    repeat,
    models,
    ...(variants ? { variants } : {}),
    onLabProblem: (lab, problem) => console.log(`✘ ${lab}: ${problem}\n  Its variants are not run until this is fixed.\n`),
    onReport: (r) => {
      if (show !== undefined) return;
      const calibration = r.calibration ? ` ×${r.calibration.factor}` : '';
      console.log(`${r.ok ? '  ok' : '  ✘ '} ${r.lab} ${r.variant}${models.length > 1 ? ` [${r.model}]` : ''}${repeat > 1 ? ` #${r.round}` : ''}: ${r.verdict} (${(r.ms / 1000).toFixed(1)} s${calibration})`);
    },
  });
} catch (error) {
  stopBusy();
  if (error instanceof LabError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
} finally {
  stopBusy();
}

if (show !== undefined) {
  const shown = reports.filter((r) => r.variant !== 'check.mjs');
  if (shown.length === 0 && reports.length === 0) usageError(`${show}: ${ids[0]} has no starter, solution, fixture or variant of that name.`);
  for (const report of shown) printTranscript(report);
}
const unsound = summarise(reports, { repeat, models, seconds: (performance.now() - started) / 1000, table: show === undefined });
process.exitCode = unsound ? 1 : 0;
