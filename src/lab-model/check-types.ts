/**
 * Type-checks a lab's own scripts (check.mjs and any helper .mjs beside it) against the kit's API
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

/** The lab's own scripts: its top-level .mjs/.js files (the learner's app lives in starter/, solution/ and the rest). */
export function labScripts(labDir: string): string[] {
  return readdirSync(labDir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(?:mjs|js)$/.test(e.name))
    .map((e) => join(labDir, e.name))
    .sort();
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
  const owner = new Map([...byLab].flatMap(([dir, scripts]) => scripts.map((f) => [resolve(f), dir] as const)));
  for (const source of program.getSourceFiles()) {
    const dir = owner.get(resolve(source.fileName));
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
