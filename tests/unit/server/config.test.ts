import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig, ROOT_DIR, runnerMode } from '../../../src/server/config.ts';
import { createHostGuard } from '../../../src/server/hosts.ts';

describe('reading the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4321, labRuntime: 'auto', shutdownGraceMs: 10_000, allowRemote: false, buildOnStart: 'auto', cgroups: 'auto' });
    expect(config.redisUrl).toBeUndefined();
    expect(config.distDir).toBe(join(ROOT_DIR, 'dist'));
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT="eighty" is not valid; use a whole number from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT="70000"'],
    [{ PORT: '-1' }, 'PORT="-1"'],
    [{ HOST: 'http://localhost' }, 'HOST="http://localhost" is not a host name or IP address'],
    [{ LAB_RUNTIME: 'docker' }, 'LAB_RUNTIME="docker" is not valid; use one of auto, local, webcontainer'],
    [{ SHUTDOWN_GRACE_MS: '10s' }, 'SHUTDOWN_GRACE_MS="10s"'],
    [{ RUNNER_ALLOW_REMOTE: 'yes' }, 'RUNNER_ALLOW_REMOTE="yes" is not valid; use 1 to enable or 0 to disable'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL="localhost:6379" must start with redis:// or rediss://'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL="not a url" is not a URL'],
    [{ SITE_URL: 'ftp://example.com' }, 'SITE_URL="ftp://example.com" must start with http:// or https://'],
    [{ BUILD_ON_START: 'sometimes' }, 'BUILD_ON_START="sometimes"'],
    [{ RUNNER_MAX_SESSIONS: '0' }, 'RUNNER_MAX_SESSIONS="0"'],
    [{ RUNNER_CGROUPS: 'yes' }, 'RUNNER_CGROUPS="yes" is not valid; use one of auto, off'],
  ])('refuses %j with a message naming the variable and the fix', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('accepts valid values', () => {
    const config = loadConfig({ HOST: '::1', PORT: '0', REDIS_URL: 'redis://:pw@db:6379/0', LAB_RUNTIME: 'local', RUNNER_RUN_TIMEOUT_MS: '5000' });
    expect(config).toMatchObject({ host: '::1', port: 0, redisUrl: 'redis://:pw@db:6379/0', labRuntime: 'local' });
    expect(config.limits.runTimeoutMs).toBe(5000);
  });

  it('exits 1 with one JSON error line when the environment is invalid', () => {
    const result = spawnSync(process.execPath, [join(ROOT_DIR, 'src/server/main.ts')], {
      env: { PATH: process.env['PATH'] ?? '', PORT: 'abc' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    const line = JSON.parse(result.stdout.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error' });
    expect(String(line['msg'])).toContain('PORT="abc"');
  });
});

describe('where the runner may run', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'app.localhost']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '10.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('turns the runner off on a non-loopback HOST, saying why and how to opt in', () => {
    const mode = runnerMode(loadConfig({ HOST: '0.0.0.0' }));
    expect(mode.enabled).toBe(false);
    expect(mode.enabled === false && mode.reason).toContain('RUNNER_ALLOW_REMOTE=1');
  });

  it('runs it on a non-loopback HOST only with RUNNER_ALLOW_REMOTE=1', () => {
    expect(runnerMode(loadConfig({ HOST: '0.0.0.0', RUNNER_ALLOW_REMOTE: '1' })).enabled).toBe(true);
  });

  it('treats LAB_RUNTIME=local on a non-loopback HOST without the opt-in as a configuration error', () => {
    expect(() => runnerMode(loadConfig({ HOST: '192.168.1.5', LAB_RUNTIME: 'local' }))).toThrow(/LAB_RUNTIME=local cannot be honoured/);
  });

  it('turns the runner off for LAB_RUNTIME=webcontainer', () => {
    expect(runnerMode(loadConfig({ LAB_RUNTIME: 'webcontainer' })).enabled).toBe(false);
  });
});

describe('which Host headers name this server', () => {
  const guard = createHostGuard({ host: '127.0.0.1', port: 4999, allowRemote: false });

  it('accepts its loopback names on its port', () => {
    for (const host of ['127.0.0.1:4999', 'localhost:4999', 'LOCALHOST:4999', '[::1]:4999']) expect(guard.allows(host), host).toBe(true);
  });

  it('refuses other names, other ports and a missing Host', () => {
    for (const host of ['evil.example:4999', 'localhost:5000', 'localhost', '127.0.0.1.evil.example:4999', undefined]) {
      expect(guard.allows(host), String(host)).toBe(false);
    }
  });

  it('accepts the public name from SITE_URL behind a proxy, with its scheme as the origin', () => {
    const proxied = createHostGuard({ host: '127.0.0.1', port: 4999, allowRemote: false, siteUrl: new URL('https://labs.example.org') });
    expect(proxied.allows('labs.example.org')).toBe(true);
    expect(proxied.allows('labs.example.org:443')).toBe(true);
    expect(proxied.originOf('labs.example.org')).toBe('https://labs.example.org');
    expect(proxied.originOf('localhost:4999')).toBe('http://localhost:4999');
  });
});
