/**
 * Picks the runtime for this page. A page served by the course's own runner (`npm start`, or `npm run dev` for authors) carries the
 * runner's token in a meta tag and uses it; a page from a static host has none and uses WebContainer.
 * `PUBLIC_LAB_RUNTIME=local|webcontainer|auto` at build time overrides the choice. Adapters are imported
 * lazily so a page loads only the one it uses.
 */
import { runnerToken } from './local/protocol.ts';
export { runnerToken };
import { RuntimeUnavailableError, type LabRuntime } from './types.ts';

export type RuntimeKind = 'local' | 'webcontainer';

/** Reads the build-time override; anything but `local` or `webcontainer` means automatic. */
export function runtimeOverride(value: string | undefined): RuntimeKind | null {
  const choice = value?.trim().toLowerCase();
  if (choice === 'local' || choice === 'webcontainer') return choice;
  if (choice && choice !== 'auto') {
    console.warn(`PUBLIC_LAB_RUNTIME="${value}" is not one of local, webcontainer, auto; choosing automatically.`);
  }
  return null;
}


export function chooseRuntime(doc: Pick<Document, 'querySelector'>, override: string | undefined): RuntimeKind {
  return runtimeOverride(override) ?? (runnerToken(doc) ? 'local' : 'webcontainer');
}

export async function createRuntime(doc: Document = document): Promise<LabRuntime> {
  const kind = chooseRuntime(doc, import.meta.env.PUBLIC_LAB_RUNTIME);
  if (kind === 'local') {
    const token = runnerToken(doc);
    if (!token) {
      throw new RuntimeUnavailableError(
        'This site was built to use the course\'s local lab runner, but this page was not served by it.',
        'Start the course with “npm start” and open the address it prints.',
      );
    }
    const { localRuntimeFromPage } = await import('./local/local-runtime.ts');
    return localRuntimeFromPage(token);
  }
  const { webContainerRuntime } = await import('./webcontainer/boot.ts');
  return webContainerRuntime();
}
