/**
 * The node_modules snapshot a static deployment serves to WebContainer: what it keeps, how small it is on
 * the wire from a host that compresses nothing, that the page gets the same bytes back whatever the host
 * does, and that a lab's checker runs on exactly what it holds.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNodeModulesSnapshot, labPackages, mayLoad, packageFiles, type NodeModulesSnapshot, type SnapshotPlan } from '../../../src/workspace/build/node-modules-snapshot.ts';
import { hiddenFiles } from '../../../src/workspace/build/workspace-data.ts';
import { fetchSnapshot, isGzip } from '../../../src/workspace/runtime/webcontainer/snapshot-fetch.ts';
import { learnerFiles, loadLab, type Lab } from '../../../src/lab-model/index.ts';

const MODULES = join(process.cwd(), 'node_modules');
/** The bound for the snapshot on the wire. */
const WIRE_LIMIT = 1.2 * 1024 * 1024;

type Tree = { [name: string]: { d: Tree } | { f: { c: Uint8Array } } };
/** Reads a snapshot back into paths and contents, with the encoder `@webcontainer/snapshot` itself uses. */
function unpack(raw: Uint8Array): Map<string, Uint8Array> {
  const fromSnapshot = createRequire(import.meta.resolve('@webcontainer/snapshot'));
  const { decode } = fromSnapshot('@msgpack/msgpack') as { decode(bytes: Uint8Array): unknown };
  const files = new Map<string, Uint8Array>();
  const walk = (tree: Tree, prefix: string): void => {
    for (const [name, node] of Object.entries(tree)) {
      if ('d' in node) walk(node.d, `${prefix}${name}/`);
      else files.set(`${prefix}${name}`, node.f.c);
    }
  };
  walk((decode(raw) as { d: Tree }).d, '');
  return files;
}

let lab: Lab;
let plan: SnapshotPlan;
let built: NodeModulesSnapshot;
let raw: Uint8Array;
beforeAll(async () => {
  lab = await loadLab('03-config');
  plan = labPackages(lab);
  built = await buildNodeModulesSnapshot(MODULES, plan);
  raw = new Uint8Array(gunzipSync(built.gzip));
});

describe('what the snapshot keeps', () => {
  it('keeps code, data, manifests and licences; drops prose, types, maps, tests and tool settings', () => {
    for (const kept of ['lib/index.js', 'data/command-docs.json', 'package.json', 'LICENSE', 'license.md', 'built/utils/index.js', 'src/lua.js', 'bin/semver.js']) {
      expect(mayLoad(kept), kept).toBe(true);
    }
    for (const dropped of ['README.md', 'readme.md', 'CHANGELOG.md', 'NEWS', 'compat.md', 'built/Redis.d.ts', 'lib/index.js.map', 'test/lapi.test.js', '.github/workflows/ci.yml', 'eslint.config.mjs', '.eslintrc', '.npmignore', 'logo.png', 'tsconfig.json']) {
      expect(mayLoad(dropped), dropped).toBe(false);
    }
  });

  it("drops builds for browsers and CDNs unless the package's own code names them", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfl-package-'));
    try {
      const files: Record<string, string> = {
        'package.json': JSON.stringify({ main: 'lib/index.js', browser: { './lib/node.js': './lib/web.js' }, unpkg: 'dist/bundle.js' }),
        'lib/index.js': "module.exports = process.browser ? require('./web.js') : require('./node.js');",
        'lib/node.js': '',
        'lib/web.js': '',
        'dist/bundle.js': '',
        'dist/bundle.min.js': '',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      expect(await packageFiles(dir)).toEqual(['lib/index.js', 'lib/node.js', 'lib/web.js', 'package.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("holds what the app declares in node_modules and the kit's packages in .lab/node_modules, as the local runner installs them", () => {
    expect(plan).toEqual({ app: ['ioredis'], kit: ['ioredis', 'ioredis-mock', 'redis-parser'] });
    const paths = [...unpack(raw).keys()];
    for (const name of ['ioredis', 'denque', 'debug']) expect(paths).toContain(`node_modules/${name}/package.json`);
    // The app cannot import what it does not declare.
    for (const name of ['ioredis-mock', 'fengari']) expect(paths).not.toContain(`node_modules/${name}/package.json`);
    for (const name of ['ioredis', 'ioredis-mock', 'redis-parser', 'fengari']) expect(paths).toContain(`.lab/node_modules/${name}/package.json`);
    expect(paths).toContain('.lab/node_modules/ioredis-mock/data/command-docs.json');
    // The snapshot's file order follows the walk of two folders and is not part of the contract.
    expect(paths.filter((path) => /\.(map|d\.ts|md)$|\/browser\.js$|\/test\//.test(path) && !path.includes('/license')).sort()).toEqual([
      '.lab/node_modules/debug/src/browser.js',
      'node_modules/debug/src/browser.js',
    ]);
    expect(built.files).toBe(paths.length);
  });

  it('fits the wire budget, and is named by its content', async () => {
    expect(built.gzip.length).toBeLessThanOrEqual(WIRE_LIMIT);
    expect(built.bytes).toBe(raw.length);
    expect(built.name).toMatch(/^[0-9a-f]{16}\.bin$/);
    expect((await buildNodeModulesSnapshot(MODULES, plan)).name).toBe(built.name);
    expect((await buildNodeModulesSnapshot(MODULES, { ...plan, app: [] })).name).not.toBe(built.name);
  });
});

describe('fetching the snapshot in the page', () => {
  let plain: Server;
  let decoding: Server;
  const served = { plain: 0, decoding: 0 };
  const listen = (server: Server): Promise<string> =>
    new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/`)));
  let plainUrl: string;
  let decodingUrl: string;

  beforeAll(async () => {
    // A static host that compresses nothing: the file as it is, as application/octet-stream.
    plain = createServer((_, response) => {
      served.plain += built.gzip.length;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': built.gzip.length }).end(built.gzip);
    });
    // A host that declares the file's gzip as a content encoding (Apache's AddEncoding): the browser undoes it.
    decoding = createServer((_, response) => {
      served.decoding += built.gzip.length;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }).end(built.gzip);
    });
    plainUrl = await listen(plain);
    decodingUrl = await listen(decoding);
  });
  afterAll(() => {
    plain.close();
    decoding.close();
  });

  it('gets the compressed bytes from a host that compresses nothing, and decompresses them', async () => {
    const bytes = await fetchSnapshot(plainUrl);
    expect(served.plain).toBe(built.gzip.length);
    expect(served.plain).toBeLessThanOrEqual(WIRE_LIMIT);
    expect(Buffer.compare(bytes, raw)).toBe(0);
  });

  it('uses plain bytes as they are when the host or the browser already decompressed them', async () => {
    const bytes = await fetchSnapshot(decodingUrl);
    expect(isGzip(raw)).toBe(false);
    expect(Buffer.compare(bytes, raw)).toBe(0);
  });

  it('says which address failed when the snapshot is missing', async () => {
    const missing = createServer((_, response) => response.writeHead(404).end());
    const url = await listen(missing);
    await expect(fetchSnapshot(`${url}labs/node-modules/x.bin`)).rejects.toThrow(/labs\/node-modules\/x\.bin answered 404/);
    missing.close();
  });

  it('tells gzip from a snapshot by its first bytes', () => {
    expect(isGzip(gzipSync('x'))).toBe(true);
    expect(isGzip(raw)).toBe(false);
  });
});

describe('a lab on nothing but the snapshot', () => {
  it("passes the Config lab's checks with its solution, in the portable process model", { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfl-snapshot-lab-'));
    try {
      for (const [path, contents] of unpack(raw)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), contents);
      }
      // What WebContainer mounts: the lab's webcontainer.json files, the learner's files, the snapshot.
      for (const [path, text] of Object.entries({ ...hiddenFiles(lab), ...learnerFiles(lab, 'solution') })) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: dir, TMPDIR: dir, LAB_PROCESS_MODEL: 'portable' };
      const { stdout } = await promisify(execFile)(process.execPath, ['.lab/check.mjs', '--json'], { cwd: dir, env, timeout: 170_000 }).catch(
        (error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
      );
      const done = stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { type: string }).find((event) => event.type === 'done');
      expect(done, stdout.slice(-2000)).toMatchObject({ status: 'pass' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
