/**
 * The splitter between the editor and the lower pane on wide screens: drag it, or focus it and use the
 * arrow keys (Home and End for the limits), to give the checks or the code more room. A WAI-ARIA window
 * splitter whose value is the lower pane's share of the height, in percent.
 */
const MIN = 20;
const MAX = 80;
const STEP = 5;

export function bindSplit(root: HTMLElement, handle: HTMLElement, above: HTMLElement, below: HTMLElement): void {
  const set = (share: number): void => {
    const value = Math.round(Math.min(MAX, Math.max(MIN, share)));
    root.style.setProperty('--lab-lower-share', String(value));
    handle.setAttribute('aria-valuenow', String(value));
  };
  const current = (): number => Number(handle.getAttribute('aria-valuenow')) || 47;

  handle.addEventListener('keydown', (event) => {
    const to = { ArrowUp: current() + STEP, ArrowDown: current() - STEP, Home: MAX, End: MIN }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    set(to);
  });
  handle.addEventListener('pointerdown', (event) => {
    event.preventDefault();
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
}
