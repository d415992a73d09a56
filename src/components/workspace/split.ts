/**
 * The splitter between the editor and the lower pane on wide screens: drag it, or focus it and use the
 * arrow keys (Home and End for the limits), to give the checks or the code more room. A WAI-ARIA window
 * splitter whose value is the lower pane's share of the height, in percent.
 */
const MIN = 20;
const MAX = 80;
const STEP = 5;
/** The share the lower pane starts with, and the most a check run's results may take on their own. */
export const DEFAULT_SHARE = 47;
const FIT_MAX = 78;

export interface Split {
  /**
   * Gives the lower pane the height `px` (its whole content, say), between the default share and a share
   * that leaves the editor in view. Does nothing where the split is not shown (narrow screens) or once the
   * learner has set the split themselves.
   */
  fitLower(px: number): void;
  /** True when the editor and the lower pane share a fixed height (the wide layout). */
  active(): boolean;
}

export function bindSplit(root: HTMLElement, handle: HTMLElement, above: HTMLElement, below: HTMLElement): Split {
  let chosen = false;
  const set = (share: number): void => {
    const value = Math.round(Math.min(MAX, Math.max(MIN, share)));
    root.style.setProperty('--lab-lower-share', String(value));
    handle.setAttribute('aria-valuenow', String(value));
  };
  const current = (): number => Number(handle.getAttribute('aria-valuenow')) || DEFAULT_SHARE;

  handle.addEventListener('keydown', (event) => {
    const to = { ArrowUp: current() + STEP, ArrowDown: current() - STEP, Home: MAX, End: MIN }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    chosen = true;
    set(to);
  });
  handle.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    chosen = true;
    handle.setPointerCapture(event.pointerId);
    const top = above.getBoundingClientRect().top;
    const bottom = below.getBoundingClientRect().bottom;
    const move = (moved: PointerEvent): void => set(((bottom - moved.clientY) / (bottom - top)) * 100);
    const end = (): void => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  });
  const active = (): boolean => handle.offsetParent !== null;
  return {
    active,
    fitLower(px) {
      if (chosen || !active()) return;
      const total = above.getBoundingClientRect().height + below.getBoundingClientRect().height;
      if (total <= 0) return;
      set(Math.min(FIT_MAX, Math.max(DEFAULT_SHARE, Math.ceil((px / total) * 100))));
    },
  };
}
