/** What a chapter page's lab fetches when the learner starts using it (built per lab at build time). */
import type { FileMap } from './runtime/types.ts';

export interface WorkspaceData {
  lab: string;
  title: string;
  /** Visible files of the starter, in tab order. */
  starter: FileMap;
  /** The same files in the reference solution (Compare with solution). */
  solution: FileMap;
  /** Visible files the learner may change; the others open read-only. */
  editable: string[];
  /** The file the editor opens first. */
  open: string;
  /** What Run executes. */
  run: string;
  checks: { id: string; title: string }[];
}
