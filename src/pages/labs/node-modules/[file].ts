/**
 * The prebuilt `node_modules` snapshots WebContainer mounts, so a lab starts without `npm install`: one
 * per distinct package list, named by content, gzip bytes under a `.bin` name (see
 * src/workspace/build/node-modules-snapshot.ts). A lab's webcontainer.json says which one it uses.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { listLabIds, loadLab } from '../../../lab-model/index.ts';
import { labNodeModules } from '../../../workspace/build/node-modules-snapshot.ts';

export const getStaticPaths = (async () => {
  const snapshots = new Map<string, Uint8Array>();
  for (const id of await listLabIds()) {
    const built = await labNodeModules(await loadLab(id));
    snapshots.set(built.name, built.gzip);
  }
  return [...snapshots].map(([file, gzip]) => ({ params: { file }, props: { gzip } }));
}) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) =>
  new Response(new Blob([(props as { gzip: Uint8Array }).gzip as Uint8Array<ArrayBuffer>]), { headers: { 'content-type': 'application/octet-stream' } });
