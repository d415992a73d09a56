/**
 * `npm test`: every test the project has, in the order that fails fastest.
 * Type check → unit tests → lab soundness → production build → end-to-end tests in Chromium.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { findChromium } from './find-chromium.ts';

interface Stage {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const only = process.argv.slice(2);
const chromium = await findChromium();
console.log(`Chromium for end-to-end tests: ${chromium.path} (${chromium.source})`);
const [e2ePort, e2eWebContainerPort] = [await freePort(), await freePort()];

const stages: Stage[] = [
  { name: 'types', cmd: 'npx', args: ['astro', 'check'] },
  { name: 'unit', cmd: 'npx', args: ['vitest', 'run'] },
  { name: 'labs', cmd: 'node', args: ['scripts/labs-verify.ts'] },
  { name: 'build', cmd: 'npm', args: ['run', 'build'] },
  {
    name: 'e2e',
    cmd: 'npx',
    args: ['playwright', 'test'],
    env: { CHROMIUM_PATH: chromium.path, E2E_PORT: String(e2ePort), E2E_WC_PORT: String(e2eWebContainerPort) },
  },
];

const results: { name: string; ok: boolean; seconds: number }[] = [];
for (const stage of stages) {
  if (only.length > 0 && !only.includes(stage.name)) continue;
  console.log(`\n━━ ${stage.name}: ${stage.cmd} ${stage.args.join(' ')}`);
  const started = performance.now();
  const { status } = spawnSync(stage.cmd, stage.args, { stdio: 'inherit', env: { ...process.env, ...stage.env } });
  results.push({ name: stage.name, ok: status === 0, seconds: (performance.now() - started) / 1000 });
  if (status !== 0) break;
}

console.log('\n━━ summary');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(6)} ${r.seconds.toFixed(1)} s`);
const failed = results.filter((r) => !r.ok).length;
console.log(`stages: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
