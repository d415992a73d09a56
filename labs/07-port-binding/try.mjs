// Tries the app the way the checker does, for the Run menu: `node try.mjs taken` starts it on a port
// another program holds; `node try.mjs zero` starts it with PORT=0 and follows the port it reports.
// The app's output is shown as it comes, then what happened, and the app is stopped.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolveCommand } from '../_kit/commands.mjs';

const mode = process.argv[2];
if (mode !== 'taken' && mode !== 'zero') {
  console.error('Usage: node try.mjs taken | zero');
  process.exit(2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (text) => console.log(`[lab] ${text}`);

let holder;
let port = 0;
if (mode === 'taken') {
  holder = createServer();
  await new Promise((resolve) => holder.listen(0, resolve));
  port = holder.address().port;
  say(`Another program (this one) now holds port ${port}. Starting the app with PORT=${port}…`);
} else {
  say('Starting the app with PORT=0, which asks the system for any free port…');
}

const { program, args, env } = resolveCommand('npm start', process.cwd());
const app = spawn(program, args, { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
const lines = [];
for (const stream of [app.stdout, app.stderr]) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) {
      lines.push(line);
      console.log(`[app] ${line}`);
    }
  });
}
const started = performance.now();
let exit;
app.on('exit', (code, signal) => (exit = { code, signal, ms: Math.round(performance.now() - started) }));

const deadline = started + 5000;
if (mode === 'taken') {
  while (!exit && performance.now() < deadline) await sleep(50);
  if (!exit) say(`After 5 s the app is still running, though it cannot serve on port ${port}. A platform would think it started.`);
  else if (exit.code === 0) say(`The app exited after ${exit.ms} ms with code 0, which a platform reads as a clean stop, not a failed start.`);
  else say(`The app exited after ${exit.ms} ms with ${exit.signal ?? `code ${exit.code}`}. ${lines.some((l) => l.includes(String(port))) ? `Its output names port ${port}.` : `Its output does not name port ${port}.`}`);
} else {
  let answered;
  while (!exit && !answered && performance.now() < deadline) {
    const named = [...new Set(lines.join(' ').match(/\b\d{2,5}\b/g) ?? [])].map(Number).filter((n) => n > 0 && n < 65536);
    for (const candidate of named) {
      const ok = await fetch(`http://127.0.0.1:${candidate}/health`, { signal: AbortSignal.timeout(500) }).then((r) => r.status, () => undefined);
      if (ok) answered = candidate;
    }
    await sleep(100);
  }
  if (answered) say(`The app named port ${answered}, and GET http://localhost:${answered}/health answered there.`);
  else if (exit) say(`The app exited after ${exit.ms} ms with ${exit.signal ?? `code ${exit.code}`} instead of taking a free port.`);
  else say('In 5 s the app printed no port where something answers: with PORT=0, only the app knows where it listens, so it has to say.');
}
if (!exit) app.kill('SIGTERM');
holder?.close();
