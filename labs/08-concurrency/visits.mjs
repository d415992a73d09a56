// The lab's "… then 10 visits at once" tasks: starts a formation through Run's launcher
// (node .lab/run.mjs --formation web=1,worker=2), and once web answers, sends N visits at the same moment
// and prints how long each answer took. The processes keep running afterwards, so the learner can watch
// the workers (or nobody) send the notes. Stop ends everything.
//   node .lab/08-concurrency/visits.mjs web=1,worker=2 10
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [formation = 'web=1', countArg = '10'] = process.argv.slice(2);
const count = Math.max(1, Math.min(50, Number(countArg) || 10));
const run = fileURLToPath(new URL('../run.mjs', import.meta.url));
// Under WebContainer Node is `node` on PATH; elsewhere this very Node.
const node = process.versions.webcontainer ? 'node' : process.execPath;
const child = spawn(node, [run, '--formation', formation], { stdio: ['ignore', 'pipe', 'inherit'] });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 1));

let sent = false;
let buffered = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk;
  // The launcher names web.1's port as it starts it; visit once something answers there.
  const port = buffered.match(/\[lab\] web\.1: .* on port (\d+)/)?.[1];
  if (port && !sent) {
    sent = true;
    whenUp(`http://localhost:${port}/`)
      .then(visit)
      .catch((error) => console.log(`[visits] ${error.message}`));
  }
  buffered = buffered.slice(-500);
});

async function whenUp(url) {
  for (;;) {
    try {
      await fetch(`${url}health`, { signal: AbortSignal.timeout(2000) });
      return url;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function visit(url) {
  console.log(`[visits] Sending ${count} visits at once to ${url} …`);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const at = performance.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
        return { ms: performance.now() - at, text: `${response.status} ${(await response.text()).trim()}` };
      } catch (error) {
        return { ms: performance.now() - at, text: `failed: ${error.cause?.code ?? error.message}` };
      }
    }),
  );
  for (const { ms, text } of results.sort((a, b) => a.ms - b.ms)) console.log(`[visits] ${String(Math.round(ms)).padStart(6)} ms  ${text}`);
  console.log(`[visits] All ${count} answered within ${Math.round(performance.now() - started)} ms. The processes keep running: press Stop to end them.`);
}
