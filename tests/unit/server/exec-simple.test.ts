// How the local runner turns a task's command line into what `sh -c` runs: a simple command replaces the
// shell (so Stop and the exit code are the command's own), also when it starts with NAME=value.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { execSimple } from '../../../src/server/local-runner/processes.ts';

describe('execSimple', () => {
  it('execs a simple command, and leaves shell syntax and an explicit exec alone', () => {
    expect(execSimple('node .lab/run.mjs --instances 2')).toBe('exec node .lab/run.mjs --instances 2');
    expect(execSimple('npm run build && node app.js')).toBe('npm run build && node app.js');
    expect(execSimple('exec node app.js')).toBe('exec node app.js');
  });

  it('runs a command that starts with variable assignments through env, so sh does not look for a program named GREETING=Hola', () => {
    expect(execSimple('GREETING=Hola npm run release')).toBe('exec env GREETING=Hola npm run release');
    expect(execFileSync('sh', ['-c', execSimple('GREETING=Hola RELEASE=v1 printenv GREETING RELEASE')], { encoding: 'utf8' })).toBe('Hola\nv1\n');
  });
});
