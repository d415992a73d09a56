/**
 * Type-checks a lab's checker (check.mjs and the helper modules it imports) against the kit's API
 * (labs/_kit/index.d.ts, reached through the kit's JSDoc types), with the project's compiler options plus
 * `checkJs`, so an author needs no `// @ts-check` line and gets no errors from anything but the lab's own
 * files. `npm run check:lab -- NN-slug` prints what this returns.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface TypeProblem {
  /** "labs/07-port-binding/check.mjs:12:5", relative to the working directory. */
  where: string;
  /** "TS2339: Property 'wiatForExit' does not exist on type 'App'. Did you mean 'waitForExit'?" */
  message: string;
}

/** The lab's checker: its check.mjs (the helpers it imports are checked with it). */
export function labScripts(labDir: string): string[] {
  return readdirSync(labDir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name === 'check.mjs')
    .map((e) => join(labDir, e.name));
}

export interface TypeCheckOptions {
  /** The tsconfig.json whose compiler options apply (default: the one in the working directory). */
  tsconfig?: string;
  /**
   * Report parameters without a type (noImplicitAny) in the lab's own helpers too. Off by default: a helper
   * `function visit(port)` is plain JavaScript; give it a JSDoc `@param` to have its uses checked.
   */
  strict?: boolean;
}

/**
 * Every type error in each lab's scripts, in file order, by lab folder: an empty list when the lab agrees
 * with the kit's API. One program for all of them, so checking every lab costs little more than one.
 */
export function typeCheckLabs(labDirs: string[], options: TypeCheckOptions = {}): Map<string, TypeProblem[]> {
  const byLab = new Map(labDirs.map((dir) => [dir, labScripts(dir)] as const));
  const files = [...byLab.values()].flat();
  const result = new Map(labDirs.map((dir) => [dir, [] as TypeProblem[]]));
  if (files.length === 0) return result;
  const configPath = resolve(options.tsconfig ?? 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`could not read ${configPath}`);
  const program = ts.createProgram(files, {
    ...parsed.options,
    allowJs: true,
    checkJs: true,
    noEmit: true,
    ...(options.strict ? {} : { noImplicitAny: false }),
  });
  // The lab's own files the program reached: check.mjs and the helpers it imports (the lab's other
  // scripts, such as Run-menu tools, and the learner's app in starter/ and the rest are not its checker).
  const ownerOf = (file: string): string | undefined => {
    const path = resolve(file);
    const dir = labDirs.find((d) => path.startsWith(`${resolve(d)}/`));
    return dir !== undefined && !/\/(?:node_modules|starter|solution|common|fixtures|variants)\//.test(path.slice(resolve(dir).length)) ? dir : undefined;
  };
  for (const source of program.getSourceFiles()) {
    const dir = ownerOf(source.fileName);
    if (dir === undefined) continue;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line, character } = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
      result.get(dir)?.push({
        where: `${relative(process.cwd(), source.fileName).split('\\').join('/')}:${line + 1}:${character + 1}`,
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`,
      });
    }
  }
  return result;
}
