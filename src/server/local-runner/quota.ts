/**
 * A workspace's size and file count. The file API refuses a save that would take a workspace past its
 * quota, so a page (or a script driving the API) cannot fill the disk or the inode table through it.
 * The lab's own folders (`.lab/`, `node_modules`) do not count; links are not followed.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunnerLimits } from '../config.ts';
import { HttpError } from './http.ts';

const LAB_OWNED = new Set(['.lab', 'node_modules']);

export interface Usage {
  files: number;
  bytes: number;
}

/** Counts regular files and their bytes under `root`, giving up (with what it has) past `stopAt`. */
export async function workspaceUsage(root: string, stopAt: Usage = { files: Infinity, bytes: Infinity }): Promise<Usage> {
  const usage: Usage = { files: 0, bytes: 0 };
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.pop() as string;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (dir === root && LAB_OWNED.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) queue.push(path);
      else if (entry.isFile()) {
        usage.files++;
        usage.bytes += (await lstat(path).catch(() => ({ size: 0 }))).size;
        if (usage.files > stopAt.files || usage.bytes > stopAt.bytes) return usage;
      }
    }
  }
  return usage;
}

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Throws HttpError(413) unless writing `size` bytes to `target` (an absolute path in the workspace that
 * may already exist) keeps the workspace within its quota.
 */
export async function assertWithinQuota(
  root: string,
  target: string,
  size: number,
  limits: Pick<RunnerLimits, 'maxWorkspaceFiles' | 'maxWorkspaceBytes'>,
): Promise<void> {
  const existing = await lstat(target).catch(() => undefined);
  const usage = await workspaceUsage(root, { files: limits.maxWorkspaceFiles, bytes: limits.maxWorkspaceBytes });
  const files = usage.files + (existing?.isFile() ? 0 : 1);
  const bytes = usage.bytes - (existing?.isFile() ? existing.size : 0) + size;
  if (files > limits.maxWorkspaceFiles) {
    throw new HttpError(413, `This lab's workspace already holds ${usage.files} files, and its limit is ${limits.maxWorkspaceFiles}; delete files you do not need (in the terminal) and save again.`);
  }
  if (bytes > limits.maxWorkspaceBytes) {
    throw new HttpError(413, `Saving this file would make the lab's workspace ${mb(bytes)}, over its limit of ${mb(limits.maxWorkspaceBytes)}; delete files you do not need (in the terminal) and save again.`);
  }
}
