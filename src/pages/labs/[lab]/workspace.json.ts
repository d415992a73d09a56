/** The files and settings a lab's workspace loads when the learner starts using it. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { listLabIds, loadLab } from '../../../lab-model/index.ts';
import { workspaceData } from '../../../workspace/build/workspace-data.ts';

export const getStaticPaths = (async () => (await listLabIds()).map((lab) => ({ params: { lab } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => Response.json(workspaceData(await loadLab(String(params['lab']))));
