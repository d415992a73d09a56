/**
 * The real WebContainer for this page: `@webcontainer/api` is imported only here, only when a lab on a
 * page without the local runner is first used, and booted at most once per page (the API allows one).
 */
import type { FileMap } from '../types.ts';
import { WebContainerRuntime, type LabAssets, type WebContainerLike } from './webcontainer-runtime.ts';
import { labAssetUrl } from '../../assets.ts';

let booting: Promise<WebContainerLike> | null = null;

function bootOnce(): Promise<WebContainerLike> {
  booting ??= import('@webcontainer/api')
    .then(({ WebContainer }) => WebContainer.boot({ coep: 'require-corp', workdirName: 'lab' }))
    .then((container) => container as unknown as WebContainerLike)
    .catch((error: unknown) => {
      // A failed boot may succeed later (network back): let the next attempt try again.
      booting = null;
      throw error;
    });
  return booting;
}

async function fetchOk(url: string, signal?: AbortSignal): Promise<Response> {
  const response = await fetch(url, signal ? { signal } : {});
  if (!response.ok) throw new Error(`${url} answered ${response.status}; the site build may be incomplete.`);
  return response;
}

async function loadAssets(lab: string, signal?: AbortSignal): Promise<LabAssets> {
  const [hidden, nodeModules] = await Promise.all([
    fetchOk(labAssetUrl(`${lab}/hidden.json`), signal).then((response) => response.json() as Promise<FileMap>),
    fetchOk(labAssetUrl('node-modules.bin'), signal).then(async (response) => new Uint8Array(await response.arrayBuffer())),
  ]);
  return { hidden, nodeModules };
}

export function webContainerRuntime(): WebContainerRuntime {
  return new WebContainerRuntime({
    boot: bootOnce,
    loadAssets,
    isolated: globalThis.crossOriginIsolated === true,
  });
}
