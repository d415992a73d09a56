import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { labScripts, typeCheckLabs } from '../../../src/lab-model/check-types.ts';

let root = '';
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const CHECK = (body: string) => `import { runLab } from '../_kit/index.mjs';
import './helper.mjs';
await runLab(new URL('./lab.json', import.meta.url), {
  'fails-fast': async (t) => {
${body}
  },
});
`;

describe('npm run check:lab', () => {
  it('reports a lab\'s misuse of the kit with file, line and the kit\'s own types; a correct lab, nothing', async () => {
    root = await mkdtemp(join(tmpdir(), 'check-lab-'));
    await symlink(resolve('labs/_kit'), join(root, '_kit'), 'dir');
    const labs = { wrong: join(root, '97-wrong'), right: join(root, '98-right') };
    for (const dir of Object.values(labs)) await mkdir(join(dir, 'starter'), { recursive: true });
    await writeFile(join(labs.wrong, 'check.mjs'), CHECK(`    const { port } = await t.holdPort();
    const app = t.start({ env: await t.env({ PORT: port }) });
    const exit = await app.wiatForExit(2000);
    await t.holdPort({ port: String(port) });
    return exit;`));
    await writeFile(join(labs.right, 'check.mjs'), CHECK(`    const { port, release } = await t.holdPort();
    const app = t.start({ env: await t.env({ PORT: port }) });
    const exit = await app.waitForExit(2000);
    await release();
    if (!exit || app.crash()) throw t.fail({ message: 'did not exit by itself', timing: { observedMs: 2000, idleMs: 2000 } });
    return \`exited with \${exit.code} naming \${app.addressInUse()}\`;`));
    // The learner's app and a script the checker does not import are not the checker: never checked.
    await writeFile(join(labs.right, 'starter', 'app.js'), 'const x: number = "not even JavaScript";');
    await writeFile(join(labs.right, 'tool.mjs'), '// @ts-check\nconst n = /** @type {number} */ ("text");\n');
    expect(labScripts(labs.right).map((f) => f.slice(labs.right.length + 1))).toEqual(['check.mjs']);
    // A helper the checker imports is part of it.
    await writeFile(join(labs.right, 'helper.mjs'), '/** @param {import("../_kit/index.d.ts").App} app */\nexport const port = (app) => app.port;\n');
    await writeFile(join(labs.wrong, 'helper.mjs'), '/** @param {import("../_kit/index.d.ts").App} app */\nexport const port = (app) => app.prot;\n');

    const results = typeCheckLabs([labs.wrong, labs.right]);
    expect(results.get(labs.right)).toEqual([]);
    const problems = results.get(labs.wrong) ?? [];
    expect(problems.map((p) => `${p.where.replace(/^.*\/97-wrong\//, '')} ${p.message.split('\n')[0]}`)).toEqual([
      "helper.mjs:2:34 TS2339: Property 'prot' does not exist on type 'App'.",
      "check.mjs:7:28 TS2551: Property 'wiatForExit' does not exist on type 'App'. Did you mean 'waitForExit'?",
      "check.mjs:8:24 TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  }, 240_000);
});
