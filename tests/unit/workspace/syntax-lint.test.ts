import { describe, expect, it } from 'vitest';
import { syntaxError } from '../../../src/components/workspace/syntax-lint.ts';

describe('marking JavaScript that cannot be parsed', () => {
  it('finds nothing wrong in the module syntax the labs use', () => {
    const text = "import Redis from 'ioredis';\nexport const config = { port: Number(process.env.PORT ?? 3000) };\nawait new Redis().quit();\nclass A { #p = 1; static async *g() {} }\n";
    expect(syntaxError(text)).toBeNull();
  });

  it('points at the token it did not expect, in words', () => {
    const text = 'export const config = {\n  port: ,\n};\n';
    const found = syntaxError(text)!;
    expect(text.slice(found.from, found.to)).toBe(',');
    expect(found.message).toMatch(/^JavaScript did not expect “,” here\./);
  });

  it('names a misspelt keyword’s neighbour as Node would', () => {
    const text = "improt config from './config.js';\n";
    const found = syntaxError(text)!;
    expect(text.slice(found.from, found.to)).toBe('config');
    expect(found.message).toContain('the name “config”');
  });

  it('says when the file ends before a brace is closed', () => {
    expect(syntaxError('function f() {\n  return 1;\n')?.message).toMatch(/ends too soon/);
  });

  it('says when a line ends inside a string', () => {
    expect(syntaxError("const s = 'abc;\nconst t = 2;\n")?.message).toMatch(/ends inside a string/);
  });
});
