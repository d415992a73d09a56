import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, runner, startTestServer, tempDir, type TestServer } from '../helpers.ts';

describe('learner files stay inside the workspace', () => {
  let server: TestServer;
  let session: string;
  let dir: string;
  const outside = tempDir('tfl-outside-');
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxFileBytes: 1024, maxBodyBytes: 4096 } });
    session = await createSession(server);
    dir = (server.runner?.sessions().find((s) => s.id === session) as { dir: string }).dir;
  });
  afterAll(async () => {
    await server.stop();
    outside.remove();
  });

  const put = (path: string, body: string) => runner(server, `/sessions/${session}/files/${path}`, { method: 'PUT', body });

  it('writes a learner file, creating its folders', async () => {
    expect((await put('app.js', 'console.log(1)\n')).status).toBe(204);
    expect((await put('lib/deep/util.js', 'export {}\n')).status).toBe(204);
    expect(readFileSync(join(dir, 'app.js'), 'utf8')).toBe('console.log(1)\n');
    expect(readFileSync(join(dir, 'lib/deep/util.js'), 'utf8')).toBe('export {}\n');
  });

  it('decodes percent-encoded path segments', async () => {
    expect((await put('my%20notes.txt', 'hi')).status).toBe(204);
    expect(readFileSync(join(dir, 'my notes.txt'), 'utf8')).toBe('hi');
  });

  it.each([
    ['../escape.js', 'climbs out'],
    ['lib/../../escape.js', 'climbs out'],
    ['%2e%2e/escape.js', 'climbs out'],
    ['%2Fetc%2Fpasswd', 'is absolute'],
    ['.lab/check.mjs', 'belongs to the lab'],
    ['node_modules/ioredis/index.js', 'belongs to the lab'],
    ['a%5Cb.js', 'backslash'],
    ['a%00b.js', 'NUL'],
  ])('refuses %s with 400 (%s)', async (path, why) => {
    const res = await put(path, 'x');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toContain(why);
  });

  it('leaves the hidden checker untouched when a write to it is refused', async () => {
    await put('.lab/check.mjs', 'process.exit(0)');
    expect(readFileSync(join(dir, '.lab/check.mjs'), 'utf8')).toContain("type: 'plan'");
  });

  it('refuses to write through a link that points outside the workspace', async () => {
    symlinkSync(outside.dir, join(dir, 'linked-dir'));
    writeFileSync(join(outside.dir, 'target.txt'), 'original');
    symlinkSync(join(outside.dir, 'target.txt'), join(dir, 'linked-file.txt'));

    const viaDir = await put('linked-dir/new.js', 'x');
    expect(viaDir.status).toBe(400);
    expect(viaDir.text).toContain('outside the workspace');
    expect(existsSync(join(outside.dir, 'new.js'))).toBe(false);

    const viaFile = await put('linked-file.txt', 'overwritten');
    expect(viaFile.status).toBe(400);
    expect(readFileSync(join(outside.dir, 'target.txt'), 'utf8')).toBe('original');
  });

  it('follows a link that stays inside the workspace', async () => {
    symlinkSync(join(dir, 'lib'), join(dir, 'lib-alias'));
    expect((await put('lib-alias/alias.js', 'inside')).status).toBe(204);
    expect(readFileSync(join(dir, 'lib/alias.js'), 'utf8')).toBe('inside');
  });

  it('refuses a file over the size limit with 413 and writes nothing', async () => {
    const res = await put('big.js', 'x'.repeat(1025));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error).toMatch(/larger than the limit of 1 KiB/);
    expect(existsSync(join(dir, 'big.js'))).toBe(false);
  });

  it('refuses a new session whose body is over the limit, or whose files break the rules, naming the field', async () => {
    const big = await runner(server, '/sessions', { method: 'POST', json: { lab: '01-echo', files: { 'a.js': 'x'.repeat(5000) } } });
    expect(big.status).toBe(413);

    const escaping = await runner(server, '/sessions', { method: 'POST', json: { lab: '01-echo', files: { '../../x.js': 'x' } } });
    expect(escaping.status).toBe(400);
    expect(JSON.parse(escaping.text).error).toMatch(/^files\["\.\.\/\.\.\/x\.js"\]: .*climbs out/);

    const fileTooBig = await runner(server, '/sessions', { method: 'POST', json: { lab: '01-echo', files: { 'a.js': 'x'.repeat(2000) } } });
    expect(fileTooBig.status).toBe(413);
    expect(JSON.parse(fileTooBig.text).error).toContain('files["a.js"]');

    const badLab = await runner(server, '/sessions', { method: 'POST', json: { lab: '99-nope', files: {} } });
    expect(badLab.status).toBe(400);
    expect(JSON.parse(badLab.text).error).toContain('lab: "99-nope" is not a lab; labs are 01-echo');

    const notJson = await runner(server, '/sessions', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.text).error).toContain('not valid JSON');
  });

  it('answers 404 for a session that does not exist, so the page can mount again', async () => {
    const res = await put('x.js', 'x').then(() => runner(server, '/sessions/nope/files/app.js', { method: 'PUT', body: 'x' }));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error).toContain('no longer exists');
  });
});
