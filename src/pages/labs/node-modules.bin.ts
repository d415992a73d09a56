/** The prebuilt `node_modules` snapshot WebContainer mounts, so a lab starts without `npm install`. */
import type { APIRoute } from 'astro';
import { join } from 'node:path';
import { buildNodeModulesSnapshot } from '../../workspace/build/node-modules-snapshot.ts';

export const GET: APIRoute = async () =>
  new Response(new Blob([(await buildNodeModulesSnapshot(join(process.cwd(), 'node_modules'))) as Uint8Array<ArrayBuffer>]), {
    headers: { 'content-type': 'application/octet-stream' },
  });
