// Run for this lab: deploys apps the way a server would get them, and the way the checker does. Each
// deploy is one app's folder copied alone, with the packages its package.json declares installed
// (install.mjs), started with `npm start` and an environment of its own:
//   node .lab/01-codebase/deploy.mjs web@production report@production   (Run)
//   node .lab/01-codebase/deploy.mjs web@staging web@production         (two deploys of one codebase)
// Every app gets DEPLOY_NAME=<the name after @> and a port of its own (PORT, PORT+1, …). Deploys with the
// same name share a Redis: REDIS_URL when it is set, else the lab session's for production and an embedded
// one for each other deploy name. An import that leaves the app's folder fails here exactly as it would on
// a server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCommand } from '../_kit/commands.mjs';
import { startRedisServer } from '../_kit/redis-server.mjs';
import { canConnect, eachLine, freePort, sleep } from '../_kit/util.mjs';
import { copyApp } from './install.mjs';

const workspace = process.cwd();
const specs = (process.argv.slice(2).length ? process.argv.slice(2) : ['web@production', 'report@production']).map((arg) => {
  const [app = '', name = 'production'] = arg.split('@');
  return { app, name, label: `${app}@${name}` };
});

const scratch = mkdtempSync(join(tmpdir(), 'twelve-factor-deploys-'));
/** @type {Map<string, { url: string, close?: () => Promise<void> }>} */
const redisFor = new Map();
// The lab session's Redis (the one Run and the terminal use) goes to production, so a deploy started from
// the Run menu sees the visits Run's web counted; other deploys get a Redis of their own.
const session = process.env.LAB_SESSION_REDIS_URL;
delete process.env.LAB_SESSION_REDIS_URL;
const names = specs.map((s) => s.name);
const sessionGoesTo = names.includes('production') ? 'production' : names[0];
if (process.env.REDIS_URL) console.log('[lab] Every deploy uses the Redis at REDIS_URL.');
for (const { name } of specs) {
  if (redisFor.has(name)) continue;
  if (process.env.REDIS_URL) redisFor.set(name, { url: process.env.REDIS_URL });
  else if (session && name === sessionGoesTo) {
    redisFor.set(name, { url: session });
    console.log(`[lab] Deploy "${name}" uses the lab's Redis, the one Run uses.`);
  } else {
    const server = await startRedisServer();
    redisFor.set(name, server);
    console.log(`[lab] Deploy "${name}" gets its own embedded Redis at ${server.url}.`);
  }
}

const base = Number(process.env.PORT ?? process.env.LAB_DEFAULT_PORT ?? 3000);
const children = [];
let stopping = false;
for (const [i, { app, name, label }] of specs.entries()) {
  const into = join(scratch, `${app}@${name}`, app);
  const { installed, problems } = copyApp({ workspace, app, into });
  console.log(`[lab] ${label}: copied ${app}/ alone and installed ${installed.map((p) => `${p.name} (${p.spec})`).join(', ') || 'nothing'}.`);
  for (const problem of problems) console.log(`[lab] ${label}: ${problem}`);
  let port = base + i;
  if (await canConnect(port)) port = await freePort();
  const env = { ...process.env, PORT: String(port), REDIS_URL: redisFor.get(name)?.url, DEPLOY_NAME: name };
  let resolved;
  try {
    resolved = resolveCommand('npm start', into, env);
  } catch (error) {
    console.log(`[lab] ${label}: ${error.message}`);
    continue;
  }
  const child = spawn(resolved.program, resolved.args, { cwd: into, env: { ...env, ...resolved.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  eachLine(child.stdout, (line) => console.log(`[${label}] ${line}`));
  eachLine(child.stderr, (line) => console.error(`[${label}] ${line}`));
  const exited = new Promise((resolve) => {
    child.on('error', (error) => resolve(console.log(`[lab] ${label} could not start: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (!stopping) console.log(`[lab] ${label} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}.`);
      resolve(undefined);
    });
  });
  children.push({ child, exited });
  announce(label, port, exited);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping = true;
    for (const { child } of children) child.kill(signal);
  });
}
await Promise.all(children.map((c) => c.exited));
await Promise.all([...redisFor.values()].map((r) => r.close?.()));
rmSync(scratch, { recursive: true, force: true });

/** Says where a deploy answers once it does. */
async function announce(label, port, exited) {
  let done = false;
  exited.then(() => (done = true));
  for (let waited = 0; !done && waited < 10_000; waited += 100) {
    if (await canConnect(port)) return console.log(`[lab] ${label} answers at http://localhost:${port}/`);
    await sleep(100);
  }
}
