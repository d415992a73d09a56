/**
 * Memory of the `npm start` process with one lab session running (target ≤ 150 MB RSS): starts the real
 * server, opens a session of the Config lab the way a page does, runs the lab's app, runs its checks
 * once, and reads the server's RSS from /proc at each step. The lab's own processes (Redis, the app,
 * the checker) are reported separately: they are the learner's, not the runner's.
 *
 *   node bench/runner-memory.ts [--lab 03-config]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { TOKEN_HEADER } from '../src/workspace/runtime/local/protocol.ts';
import { learnerFiles, loadLab } from '../src/lab-model/index.ts';
import { treeMembers } from '../src/server/local-runner/process-tree.ts';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const labId = args.includes('--lab') ? (args[args.indexOf('--lab') + 1] as string) : '03-config';
// The real build when there is one; otherwise the tests' small site (the runner does not care).
const dist = existsSync(join(root, 'dist/index.html')) ? join(root, 'dist') : join(root, 'tests/unit/server/fixtures/site');

const rssMb = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
};

const server = spawn(process.execPath, [join(root, 'src/server/main.ts')], {
  env: { ...process.env, PORT: '0', DIST_DIR: dist, BUILD_ON_START: 'never' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve, reject) => {
  let buffer = '';
  server.stdout.setEncoding('utf8');
  server.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    const match = /"msg":"listening".*?"port":(\d+)/.exec(buffer);
    if (match) resolve(Number(match[1]));
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const host = `127.0.0.1:${port}`;

function call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pid = server.pid as number;
const steps: Record<string, number> = {};
try {
  steps['idle'] = rssMb(pid);
  const page = await call('GET', '/', {});
  const token = /name="lab-runner-token" content="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error('the page has no runner token; is LAB_RUNTIME=webcontainer set?');
  const auth = { origin: `http://${host}`, [TOKEN_HEADER]: token, 'content-type': 'application/json' };

  const lab = await loadLab(labId);
  const created = await call('POST', '/__runner/sessions', auth, JSON.stringify({ lab: labId, files: learnerFiles(lab, 'solution') }));
  const session = (JSON.parse(created.text) as { session: string }).session;
  steps['session open'] = rssMb(pid);

  await call('POST', `/__runner/sessions/${session}/processes`, auth, JSON.stringify({ command: lab.manifest.commands.run }));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  steps['app running'] = rssMb(pid);
  const labProcesses = treeMembers(pid);
  const labMb = labProcesses.reduce((sum, member) => sum + (existsSync(`/proc/${member}`) ? rssMb(member) : 0), 0);

  const started = performance.now();
  const check = await call('POST', `/__runner/sessions/${session}/check`, auth);
  const verdict = check.text.trim().split('\n').at(-1);
  steps['after a check'] = rssMb(pid);

  console.log(`runner memory, lab ${labId} (server pid ${pid}):`);
  for (const [step, mb] of Object.entries(steps)) console.log(`  ${step.padEnd(14)} ${mb.toFixed(1)} MB RSS`);
  console.log(`  lab processes while the app runs: ${labProcesses.length} using ${labMb.toFixed(1)} MB RSS in total (not counted above)`);
  console.log(`  check took ${Math.round(performance.now() - started)} ms; verdict ${verdict}`);
  const peak = Math.max(...Object.values(steps));
  console.log(`  peak ${peak.toFixed(1)} MB; target ≤ 150 MB: ${peak <= 150 ? 'met' : 'NOT met'}`);
  process.exitCode = peak <= 150 ? 0 : 1;
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}
