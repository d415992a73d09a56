// The learner's Run: starts the embedded Redis unless REDIS_URL points at one, then the app with the
// lab's default environment, forwarding its output and the signals the runtime sends (Stop, Ctrl-C).
// `--instances N` starts N copies on consecutive ports (PORT, PORT+1, …) sharing that one Redis.
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { parseCommand } from './app.mjs';
import { startRedisServer } from './redis-server.mjs';

export async function launch(manifestUrl) {
  const manifest = JSON.parse(await readFile(manifestUrl, 'utf8'));
  const env = { ...manifest.env, ...process.env };
  let embedded;
  if (process.env.REDIS_URL) {
    console.log(`[lab] Using the Redis at REDIS_URL (${redact(process.env.REDIS_URL)}).`);
  } else {
    embedded = await startRedisServer();
    env.REDIS_URL = embedded.url;
    console.log(`[lab] Using the embedded Redis at ${embedded.url} (data lasts until Run stops).`);
  }

  const flag = process.argv.indexOf('--instances');
  const count = flag > 0 ? Math.max(1, Math.min(4, Number(process.argv[flag + 1]) || 1)) : 1;
  const { program, args } = parseCommand(manifest.commands.start);
  const basePort = Number(env.PORT ?? 3000);
  const children = Array.from({ length: count }, (_, i) => {
    const name = String.fromCharCode(65 + i);
    const port = basePort + i;
    if (count > 1) console.log(`[lab] Instance ${name} on port ${port}`);
    const child = spawn(program, args, { env: { ...env, PORT: String(port) }, stdio: count > 1 ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (count > 1) {
      for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
        stream.setEncoding('utf8');
        let pending = '';
        stream.on('data', (chunk) => {
          const lines = (pending + chunk).split('\n');
          pending = lines.pop();
          for (const line of lines) out.write(`[${name}] ${line}\n`);
        });
      }
    }
    return child;
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // Pass the signal on and let the app decide how to stop; the launcher exits when the apps do.
    process.on(signal, () => children.forEach((child) => child.kill(signal)));
  }
  const codes = await Promise.all(children.map((child) => new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`[lab] Could not start "${manifest.commands.start}": ${error.message}`);
      resolve(1);
    });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
  })));
  const code = codes.find((c) => c !== 0) ?? 0;
  await embedded?.close();
  process.exit(code);
}

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'not a valid URL';
  }
}
