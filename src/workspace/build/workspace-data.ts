/** Build-time views of a lab for the browser: what the workspace shows, and what a runtime must add. */
import { learnerFiles, type Lab } from '../../lab-model/index.ts';
import type { FileMap } from '../runtime/types.ts';
import type { WorkspaceData } from '../workspace-data.ts';

export function workspaceData(lab: Lab): WorkspaceData {
  const { manifest } = lab;
  return {
    lab: lab.id,
    title: manifest.title,
    starter: learnerFiles(lab, 'starter'),
    solution: learnerFiles(lab, 'solution'),
    editable: manifest.files.editable,
    open: manifest.files.open,
    run: manifest.commands.run,
    checks: manifest.checks,
  };
}

/**
 * Everything a runtime mounts besides the learner's files: the starter's files the learner does not see
 * (e.g. package.json) and the hidden `.lab/` folder. The local runner adds these itself; WebContainer
 * fetches them.
 */
export function hiddenFiles(lab: Lab): FileMap {
  const visible = new Set(lab.manifest.files.visible);
  const support = Object.fromEntries(Object.entries(lab.starter).filter(([path]) => !visible.has(path)));
  return { ...support, ...lab.hidden };
}
