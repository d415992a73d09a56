/**
 * Hostile suite, the file API: ways out of the workspace that the path rules alone do not stop (a hard
 * link made from the terminal, a folder swapped for a link while a save runs), saves that raced each
 * other into a 500, and a workspace filled without bound. Today's path attacks (traversal, links, size
 * caps) are in paths.test.ts beside this file. Loopback only; every loop is bounded.
 */
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeLearnerFile } from '../../../../src/server/local-runner/paths.ts';
import { createSession, runner, startTestServer, tempDir, type TestServer } from '../helpers.ts';

describe('the file API cannot be walked out of', () => {
  let server: TestServer;
  let session: string;
  let dir: string;
  const outside = tempDir('tfl-outside-');
  beforeAll(async () => {
    server = await startTestServer();
    session = await createSession(server);
    dir = (server.runner?.sessions().find((s) => s.id === session) as { dir: string }).dir;
  });
  afterAll(async () => {
    await server.stop();
    outside.remove();
  });
  const put = (path: string, body: string) => runner(server, `/sessions/${session}/files/${path}`, { method: 'PUT', body });

  it('refuses a file that is a hard link to a file outside the workspace, which keeps its text', async () => {
    writeFileSync(join(outside.dir, 'secret.txt'), 'original');
    linkSync(join(outside.dir, 'secret.txt'), join(dir, 'notes.txt'));
    const res = await put('notes.txt', 'overwritten');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toContain('has 2 hard links');
    expect(readFileSync(join(outside.dir, 'secret.txt'), 'utf8')).toBe('original');
  });

  it('refuses a hard link to the lab’s own checker', async () => {
    linkSync(join(dir, '.lab/check.mjs'), join(dir, 'innocent.js'));
    const res = await put('innocent.js', 'process.exit(0)');
    expect(res.status).toBe(400);
    expect(readFileSync(join(dir, '.lab/check.mjs'), 'utf8')).toContain("type: 'plan'");
  });

  it('writes no file outside while a folder is swapped for a link to outside during saves', async () => {
    const target = join(outside.dir, 'swap-target');
    mkdirSync(target);
    mkdirSync(join(dir, 'swap'));
    // Another process flips swap/ between a real folder and a link to outside, as fast as it can, for a
    // bounded number of rounds (the attacker in the terminal).
    const flipper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const d = process.argv[1], t = process.argv[2];
         for (let i = 0; i < 200000 && !fs.existsSync(d + '.stop'); i++) {
           try { fs.renameSync(d, d + '.real'); fs.symlinkSync(t, d); fs.unlinkSync(d); fs.renameSync(d + '.real', d); } catch {}
         }`,
        join(dir, 'swap'),
        target,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => flipper.once('exit', resolve));
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (let round = 0; round < 60 && Date.now() - started < 8_000; round++) {
      const batch = await Promise.all(Array.from({ length: 8 }, (_, i) => put(`swap/f${round}-${i}.js`, 'x')));
      for (const res of batch) statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    writeFileSync(join(dir, 'swap.stop'), '');
    await exited;
    expect(readdirSync(target), `statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    // Every save either landed inside or was refused with a reason; none crashed the server.
    expect([...statuses.keys()].every((status) => [204, 400, 409].includes(status)), JSON.stringify([...statuses])).toBe(true);
    // Up to 480 saves landed: on a fast machine they would fill the workspace's 500-file quota for the tests below.
    rmSync(join(dir, 'swap'), { recursive: true, force: true });
  }, 30_000);

  it('eight parallel saves into a new folder all succeed', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => put(`fresh/deeper/file${i}.js`, `// ${i}\n`)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(204));
    expect(readdirSync(join(dir, 'fresh/deeper')).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `file${i}.js`).sort());
  });

  it('eight parallel writes into a new folder succeed without the session’s queue too (mkdir tolerates EEXIST)', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => writeLearnerFile(dir, `raw/a/b/c${i}.js`, String(i))));
    expect(readdirSync(join(dir, 'raw/a/b'))).toHaveLength(8);
  });

  it('replaces a file by renaming a new one into place: its old inode (and any other name for it) is never written', async () => {
    expect((await put('whole.js', 'old text')).status).toBe(204);
    const { openSync, readSync, closeSync } = await import('node:fs');
    const before = openSync(join(dir, 'whole.js'), 'r');
    try {
      expect((await put('whole.js', 'a'.repeat(100_000))).status).toBe(204);
      const seen = Buffer.alloc(16);
      const read = readSync(before, seen, 0, 16, 0);
      expect(seen.subarray(0, read).toString()).toBe('old text');
    } finally {
      closeSync(before);
    }
    expect(readFileSync(join(dir, 'whole.js'), 'utf8')).toHaveLength(100_000);
    expect(readdirSync(dir).filter((name) => name.includes('.saving-'))).toEqual([]);
  });
});

describe('a workspace has a quota', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.stop();
  });

  it('refuses the file past the file-count limit with 413, saying how many and what to do', async () => {
    server = await startTestServer({ limits: { maxWorkspaceFiles: 20 } });
    const session = await createSession(server); // app.js: 1 file
    const statuses: number[] = [];
    let refusal = '';
    for (let i = 0; i < 30; i++) {
      const res = await runner(server, `/sessions/${session}/files/many/f${i}.txt`, { method: 'PUT', body: 'x' });
      statuses.push(res.status);
      if (res.status !== 204) refusal ||= JSON.parse(res.text).error;
    }
    expect(statuses.filter((s) => s === 204)).toHaveLength(19);
    expect(statuses.slice(19)).toEqual(Array(11).fill(413));
    expect(refusal).toBe("This lab's workspace already holds 20 files, and its limit is 20; delete files you do not need (in the terminal) and save again.");
    // Changing a file that exists is still allowed at the limit.
    expect((await runner(server, `/sessions/${session}/files/app.js`, { method: 'PUT', body: 'changed' })).status).toBe(204);
  });

  it('refuses a save that would take the workspace past its size limit', async () => {
    server = await startTestServer({ limits: { maxWorkspaceBytes: 100 * 1024, maxFileBytes: 64 * 1024 } });
    const session = await createSession(server);
    expect((await runner(server, `/sessions/${session}/files/a.txt`, { method: 'PUT', body: 'x'.repeat(60 * 1024) })).status).toBe(204);
    const res = await runner(server, `/sessions/${session}/files/b.txt`, { method: 'PUT', body: 'x'.repeat(60 * 1024) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error).toMatch(/^Saving this file would make the lab's workspace 0\.1 MB, over its limit of 0\.1 MB/);
    const dir = server.runner?.sessions()[0]?.dir as string;
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
  });
});
