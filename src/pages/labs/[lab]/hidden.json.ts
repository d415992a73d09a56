/** The lab files a WebContainer mounts besides the learner's own: support files and the hidden `.lab/` folder. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { listLabIds, loadLab } from '../../../lab-model/index.ts';
import { hiddenFiles } from '../../../workspace/build/workspace-data.ts';

export const getStaticPaths = (async () => (await listLabIds()).map((lab) => ({ params: { lab } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => Response.json(hiddenFiles(await loadLab(String(params['lab']))));
