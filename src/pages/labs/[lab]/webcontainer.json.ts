/**
 * What a WebContainer mounts for a lab besides the learner's own files: the support files and hidden
 * `.lab/` folder, and which `node_modules` snapshot to fetch once the learner runs something.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { listLabIds, loadLab } from '../../../lab-model/index.ts';
import { hiddenFiles } from '../../../workspace/build/workspace-data.ts';
import { labNodeModules } from '../../../workspace/build/node-modules-snapshot.ts';
import type { WebContainerLabAsset } from '../../../workspace/runtime/webcontainer/boot.ts';

export const getStaticPaths = (async () => (await listLabIds()).map((lab) => ({ params: { lab } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => {
  const lab = await loadLab(String(params['lab']));
  const snapshot = await labNodeModules(lab);
  const asset: WebContainerLabAsset = {
    files: hiddenFiles(lab),
    nodeModules: { path: `node-modules/${snapshot.name}`, wireBytes: snapshot.gzip.length, bytes: snapshot.bytes },
  };
  return Response.json(asset);
};
