/**
 * The real WebContainer for this page: `@webcontainer/api` is imported only here, only when a lab on a
 * page without the local runner is first used. The API allows one booted instance per page: it is booted
 * once, and again only after a restart tore it down.
 */
import type { FileMap } from '../types.ts';
import { WebContainerRuntime, type LabAssets, type WebContainerLike } from './webcontainer-runtime.ts';
import { fetchSnapshot, type SnapshotRef } from './snapshot-fetch.ts';
import { labAssetUrl } from '../../assets.ts';

/** The lab's `webcontainer.json`, written by src/pages/labs/[lab]/webcontainer.json.ts. */
export interface WebContainerLabAsset {
  /** Files the learner never sees: support files and the hidden `.lab/` folder. */
  files: FileMap;
  nodeModules: SnapshotRef;
}

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

function teardown(container: WebContainerLike): void {
  booting = null;
  container.teardown();
}

async function loadAssets(lab: string, signal?: AbortSignal): Promise<LabAssets> {
  const url = labAssetUrl(`${lab}/webcontainer.json`);
  const response = await fetch(url, signal ? { signal } : {});
  if (!response.ok) throw new Error(`${url} answered ${response.status}; the site build may be incomplete.`);
  const asset = (await response.json()) as WebContainerLabAsset;
  return { hidden: asset.files, nodeModules: (abort) => fetchSnapshot(labAssetUrl(asset.nodeModules.path), abort) };
}

export function webContainerRuntime(): WebContainerRuntime {
  return new WebContainerRuntime({
    boot: bootOnce,
    teardown,
    loadAssets,
    isolated: globalThis.crossOriginIsolated === true,
  });
}
