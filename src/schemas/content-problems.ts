/**
 * Content problems found while `astro dev` runs, handed from the chapters' loader to the dev server's
 * error overlay (src/integrations/content-overlay.ts). The two run in one process but may load this module
 * twice (Node's loader for the integration, Vite's for the content config), so the state lives on
 * `globalThis` under a registered symbol.
 */
import type { Problem } from './format-issues.ts';

type Listener = (problems: readonly Problem[]) => void;
interface Registry {
  problems: readonly Problem[];
  listeners: Set<Listener>;
}

const KEY = Symbol.for('twelve-factor-labs.content-problems');

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [KEY]?: Registry };
  return (holder[KEY] ??= { problems: [], listeners: new Set() });
}

/** Replaces the current problems (an empty list when everything is fine again) and tells the listeners. */
export function publishContentProblems(problems: readonly Problem[]): void {
  const state = registry();
  state.problems = [...problems];
  for (const listener of state.listeners) listener(state.problems);
}

export function currentContentProblems(): readonly Problem[] {
  return registry().problems;
}

/** Calls `listener` on every change; returns the function that stops it. */
export function onContentProblems(listener: Listener): () => void {
  const state = registry();
  state.listeners.add(listener);
  return () => state.listeners.delete(listener);
}
