/** The file tabs: a WAI-ARIA tablist (arrow keys, Home, End) over the server-rendered tab buttons. */
export interface FileTabs {
  select(path: string): void;
  current(): string;
}

export function bindTabs(root: HTMLElement, onSelect: (path: string) => void): FileTabs {
  const tabs = [...root.querySelectorAll<HTMLButtonElement>('[role="tab"][data-path]')];
  const panel = root.querySelector<HTMLElement>('[role="tabpanel"]');
  let current = tabs.find((tab) => tab.getAttribute('aria-selected') === 'true')?.dataset['path'] ?? tabs[0]?.dataset['path'] ?? '';

  const select = (path: string, notify: boolean): void => {
    current = path;
    for (const tab of tabs) {
      const on = tab.dataset['path'] === path;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on && panel) panel.setAttribute('aria-labelledby', tab.id);
    }
    if (notify) onSelect(path);
  };

  for (const [i, tab] of tabs.entries()) {
    tab.addEventListener('click', () => select(tab.dataset['path']!, true));
    tab.addEventListener('keydown', (event) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      const next = tabs[(to + tabs.length) % tabs.length]!;
      next.focus();
      select(next.dataset['path']!, true);
    });
  }
  return { select: (path) => select(path, false), current: () => current };
}
