// The learner's Run: starts the embedded Redis unless REDIS_URL points at one, then the app with the
// lab's default environment, forwarding its output and the signals the runtime sends (Stop, Ctrl-C).
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

  const { program, args } = parseCommand(manifest.commands.start);
  const child = spawn(program, args, { env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // Pass the signal on and let the app decide how to stop; the launcher exits when the app does.
    process.on(signal, () => child.kill(signal));
  }
  const code = await new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`[lab] Could not start "${manifest.commands.start}": ${error.message}`);
      resolve(1);
    });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
  });
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
