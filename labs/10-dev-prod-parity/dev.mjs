// The lab's "Run in development" tasks: `npm run dev` as a developer runs it on a laptop. With a Redis of
// its own (an embedded one, or the one in REDIS_URL when the environment gives one), set in REDIS_URL in
// the environment, which wins over .env (node --env-file never overrides a variable that is already set).
// With --no-redis, REDIS_URL is removed, so you can see what development does without a Redis.
import { spawn } from 'node:child_process';
import { resolveCommand } from '../_kit/commands.mjs';
import { startRedisServer } from '../_kit/redis-server.mjs';

const withoutRedis = process.argv.includes('--no-redis');
const env = { ...process.env };
delete env.NODE_ENV; // development is whatever .env says, not the production setting of Run
// Run's Redis (the lab session's) stays production's: development gets a Redis of its own, as on a laptop.
delete env.LAB_SESSION_REDIS_URL;
let embedded;
if (withoutRedis) {
  delete env.REDIS_URL;
  console.log('[lab] npm run dev with no REDIS_URL in the environment: it gets one only if .env sets it.');
} else if (!env.REDIS_URL) {
  embedded = await startRedisServer();
  env.REDIS_URL = embedded.url;
  console.log(`[lab] Started a Redis for development at ${embedded.url} and set REDIS_URL to it (data lasts until you stop).`);
}
if (!env.PORT && env.LAB_DEFAULT_PORT) env.PORT = env.LAB_DEFAULT_PORT;

let resolved;
try {
  resolved = resolveCommand('npm run dev', process.cwd(), env);
} catch (error) {
  console.log(`[lab] ${error.message}`);
  await embedded?.close();
  process.exit(1);
}
console.log(`[lab] ${resolved.shown}`);
const child = spawn(resolved.program, resolved.args, { env: { ...env, ...resolved.env }, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', async (code, signal) => {
  console.log(`[lab] npm run dev ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}.`);
  await embedded?.close();
  process.exit(code ?? 0);
});
