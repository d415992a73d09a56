/**
 * The lower pane: Checks and Terminal as a WAI-ARIA tab set (arrow keys, Home, End), so whichever the
 * learner needs gets the whole pane. The tab not shown carries a badge: the passed count for Checks,
 * a dot when the terminal printed something new.
 */
export type PaneName = 'checks' | 'terminal';

export interface Panes {
  show(name: PaneName): void;
  current(): PaneName;
  /** Sets a tab's badge: `visible` is what sighted learners see, `spoken` ends the tab's accessible name after a comma. */
  badge(name: PaneName, visible: string, spoken: string): void;
  /** Called after a pane became visible (the terminal refits itself then). */
  onShow(listener: (name: PaneName) => void): void;
}

const NAMES: PaneName[] = ['checks', 'terminal'];

export function bindPanes(root: HTMLElement): Panes {
  const tab = (name: PaneName): HTMLButtonElement => {
    const found = root.querySelector<HTMLButtonElement>(`[role="tab"][data-pane="${name}"]`);
    if (!found) throw new Error(`The lab markup has no "${name}" pane tab; LabWorkspace.astro and panes.ts disagree.`);
    return found;
  };
  const panel = (name: PaneName): HTMLElement => {
    const id = tab(name).getAttribute('aria-controls') ?? '';
    const found = root.querySelector<HTMLElement>(`#${CSS.escape(id)}`);
    if (!found) throw new Error(`The "${name}" pane tab controls "${id}", which is not in the lab markup.`);
    return found;
  };
  const listeners: ((name: PaneName) => void)[] = [];
  let current: PaneName = NAMES.find((name) => tab(name).getAttribute('aria-selected') === 'true') ?? 'checks';

  const show = (name: PaneName): void => {
    const changed = name !== current;
    current = name;
    for (const other of NAMES) {
      const on = other === name;
      tab(other).setAttribute('aria-selected', String(on));
      tab(other).tabIndex = on ? 0 : -1;
      panel(other).hidden = !on;
    }
    root.dataset['lowerPane'] = name;
    if (changed) for (const listener of listeners) listener(name);
  };

  for (const [i, name] of NAMES.entries()) {
    const button = tab(name);
    button.addEventListener('click', () => show(name));
    button.addEventListener('keydown', (event) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: NAMES.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      const next = NAMES[(to + NAMES.length) % NAMES.length]!;
      show(next);
      tab(next).focus();
    });
  }
  show(current);

  return {
    show,
    current: () => current,
    badge(name, visible, spoken) {
      const button = tab(name);
      const seen = button.querySelector<HTMLElement>('.lab__badge');
      if (!seen) return;
      // The badge is for the eye only. The tab's name says the same in words, set off by a comma, so a
      // screen reader hears "Checks, 2 of 5 passed" rather than the tab's name and the digits run together.
      seen.setAttribute('aria-hidden', 'true');
      seen.textContent = visible;
      seen.hidden = visible === '';
      button.dataset['label'] ??= button.textContent?.trim() ?? name;
      const label = button.dataset['label'];
      if (spoken === '') button.removeAttribute('aria-label');
      else button.setAttribute('aria-label', `${label}, ${spoken}`);
    },
    onShow: (listener) => void listeners.push(listener),
  };
}
