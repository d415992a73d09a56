import { describe, expect, it } from 'vitest';
import { frontmatterSyntaxProblem } from '../../../src/schemas/chapter-loader.ts';

const rel = (path: string) => path.replace('/course/', '');

describe('a chapter whose frontmatter is not valid YAML', () => {
  it('is reported as file, field and what to do, with the line', () => {
    const yamlError = Object.assign(new Error('unexpected end of the stream within a double quoted scalar (4:1)'), {
      name: 'YAMLException',
      reason: 'unexpected end of the stream within a double quoted scalar',
      mark: { line: 3 },
      loc: { file: '/course/content/chapters/03-config.mdx', line: 4 },
    });
    expect(frontmatterSyntaxProblem(yamlError, rel)).toEqual({
      file: 'content/chapters/03-config.mdx',
      field: '(frontmatter)',
      message:
        'is not valid YAML near line 4 (unexpected end of the stream within a double quoted scalar). Check the quotes, colons and indentation between the two "---" lines; a value containing ": " or starting with a quote must be quoted as a whole.',
    });
  });

  it('leaves every other error alone', () => {
    expect(frontmatterSyntaxProblem(new Error('disk full'), rel)).toBeUndefined();
    expect(frontmatterSyntaxProblem(Object.assign(new Error('x'), { name: 'YAMLException' }), rel)).toBeUndefined();
  });
});
