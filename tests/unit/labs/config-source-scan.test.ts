// The Config lab's source scan: it flags settings the app uses, and leaves alone what only looks like one.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { scanJavaScript, scanWorkspace, tokenize, words } from '../../../labs/03-config/source-scan.mjs';

const lines = (source: string) => scanJavaScript(source).map((f: { line: number; what: string }) => `${f.line}: ${f.what}`);

async function workspace(files: Record<string, string>, startCommand = 'node app.js') {
  return scanWorkspace({
    files: Object.entries(files).map(([path, text]) => ({ path, size: Buffer.byteLength(text) })),
    read: async (path: string) => files[path],
    startCommand,
  });
}

describe('Config source scan: what counts as a setting', () => {
  it('flags the starter’s URL with its password, and nothing in the base app', async () => {
    expect(lines(await readFile('labs/03-config/starter/config.js', 'utf8'))).toEqual(['4: a Redis URL with a password']);
    for (const file of ['config.js', 'counter.js', 'server.js', 'app.js']) {
      expect(lines(await readFile(`labs/_base/${file}`, 'utf8')), file).toEqual([]);
    }
  });

  it('finds a password and a host whatever the names’ case, however they are bound', () => {
    expect(lines("const redisPassword = 's3cr3t-pa55';")).toEqual(['1: a password or secret']);
    expect(lines("const REDIS_PASS = 's3cr3t';")).toEqual(['1: a password or secret']);
    expect(lines("new Redis(url, { password: 'hunter22' });")).toEqual(['1: a password or secret']);
    expect(lines("const pw = process.env.REDIS_PASSWORD ?? 'fallback-secret';")).toEqual(['1: a password or secret']);
    expect(lines("redis.auth('hunter22');")).toEqual(['1: a password or secret']);
    expect(lines("url.password = 'hunter22';")).toEqual(['1: a password or secret']);
    expect(lines("const redisHost = '127.0.0.1';\nconst { REDIS_HOST = 'cache.internal' } = process.env;")).toEqual(['1: a host name', '2: a host name']);
  });

  it('finds URLs written whole, concatenated, or as a template with literal parts', () => {
    expect(lines("const u = 'redis://' + 'cache.internal' + ':6379';")).toEqual(['1: a Redis URL']);
    expect(lines("const u = 'redis://:' + 's3cr3t-pa55' + '@' + host;")).toEqual(['1: a Redis URL with a password']);
    expect(lines('const u = `redis://:s3cr3t@${host}:${port}`;')).toEqual(['1: a Redis URL with a password']);
    expect(lines("const u = process.env.REDIS_URL || 'redis://localhost:6379';")).toEqual(['1: a Redis URL']);
    expect(lines('new Redis(6379, host);')).toEqual(["1: Redis's default port"]);
  });

  it('leaves alone a URL assembled from settings, a wildcard bind, messages and comments', () => {
    expect(lines('const u = `redis://:${password}@${host}:${port}/${db}`;')).toEqual([]);
    expect(lines("server.listen(config.port, '0.0.0.0');\nconst host = '::';")).toEqual([]);
    expect(lines("console.error(`Set REDIS_URL, e.g. redis://localhost:6379`);\nconsole.error('example:', 'redis://localhost:6379');")).toEqual([]);
    expect(lines("throw new Error('REDIS_URL looks like redis://user:pass@host:6379');")).toEqual([]);
    expect(lines("// was: redis://:s3cr3t@10.0.3.7:6379\n/* password: 'x' */ const a = 1;")).toEqual([]);
    expect(lines("const passwordHint = 'ask the ops team';\nconst tokenCount = 3;")).toEqual([]);
  });

  it('is not thrown off by quotes inside regular expressions and templates', () => {
    const source = "const re = /['\"`]/g;\nconst t = `a ${'b'} c`;\nconst redisPassword = 'x-secret';";
    expect(lines(source)).toEqual(['3: a password or secret']);
    expect(tokenize("a / b; const c = '/'").filter((t: { type: string }) => t.type === 'str')).toHaveLength(1);
  });

  it('splits names into words', () => {
    expect(words('redisPassword')).toEqual(['redis', 'password']);
    expect(words('REDIS_HOST')).toEqual(['redis', 'host']);
    expect(words('bypassCache')).toEqual(['bypass', 'cache']);
  });
});

describe('Config source scan: the whole folder', () => {
  const base = { 'app.js': "import './config.js';", 'config.js': 'export const config = {};', 'package.json': '{\n  "scripts": {\n    "start": "node app.js"\n  }\n}\n' };

  it('reads every JavaScript file, however deep, and package.json, skipping node_modules and .lab', async () => {
    const result = await workspace({
      ...base,
      'lib/redis.js': "export const redisHost = 'cache.internal';",
      'node_modules/x/index.js': "const password = 'not yours';",
      '.lab/check.mjs': "const password = 'not yours';",
      'package.json': '{\n  "scripts": {\n    "start": "REDIS_URL=redis://:pw@10.0.3.7:6379 node app.js"\n  }\n}\n',
    });
    expect(result.findings.map((f) => `${f.file}:${f.line}: ${f.what}`)).toEqual(['lib/redis.js:1: a host name', 'package.json:3: a Redis URL with a password']);
    expect(result.scanned.sort()).toEqual(['app.js', 'config.js', 'lib/redis.js', 'package.json']);
  });

  it('scans a dotfile only when the app loads it', async () => {
    const env = 'REDIS_URL=redis://:s3cr3t@127.0.0.1:6379\nGREETING=hi\n';
    const unread = await workspace({ ...base, '.env': env, '.env.example': 'REDIS_URL=redis://localhost:6379\n' });
    expect(unread.findings).toEqual([]);
    const loaded = await workspace({ ...base, 'config.js': 'process.loadEnvFile();', '.env': env });
    expect(loaded.findings).toMatchObject([{ file: '.env', line: 1, what: 'a Redis URL with a password' }]);
    expect(loaded.dotfiles).toEqual([{ file: '.env', where: 'process.loadEnvFile in config.js' }]);
    const flag = await workspace({ ...base, '.env.local': env }, 'node --env-file=.env.local app.js');
    expect(flag.dotfiles).toEqual([{ file: '.env.local', where: '--env-file in the start command' }]);
  });

  it('says which files it did not read', async () => {
    const result = await workspace({ ...base, 'big.js': 'x'.repeat(300 * 1024) });
    expect(result.skipped).toEqual([{ file: 'big.js', why: '300 KB, over the 256 KB the scan reads' }]);
  });
});
