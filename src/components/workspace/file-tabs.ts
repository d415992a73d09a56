/** The file tabs: a WAI-ARIA tablist (arrow keys, Home, End) over the server-rendered tab buttons. */
export interface FileTabs {
  select(path: string): void;
  current(): string;
}

export function bindTabs(root: HTMLElement, onSelect: (path: string) => void): FileTabs {
  const tabs = [...root.querySelectorAll<HTMLButtonElement>('[role="tab"][data-path]')];
  const panel = root.querySelector<HTMLElement>('[role="tabpanel"][data-slot="editor"]');
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
    revealTab(tabs.find((tab) => tab.dataset['path'] === path));
  };
  markOverflow(root.querySelector<HTMLElement>('[role="tablist"]:has([data-path])'));

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

/** Marks which edges of a scrolling tab strip hide tabs (`data-more="start end"`), for the CSS fade. */
function markOverflow(strip: HTMLElement | null): void {
  if (!strip) return;
  const mark = (): void => {
    const edges = [strip.scrollLeft > 1 ? 'start' : '', strip.scrollLeft + strip.clientWidth < strip.scrollWidth - 1 ? 'end' : ''];
    const more = edges.filter(Boolean).join(' ');
    if (more) strip.dataset['more'] = more;
    else delete strip.dataset['more'];
  };
  strip.addEventListener('scroll', mark, { passive: true });
  new ResizeObserver(mark).observe(strip);
  mark();
}

/** Scrolls the strip sideways (never the page) so the selected tab is fully in view. */
function revealTab(tab: HTMLElement | undefined): void {
  const strip = tab?.parentElement;
  if (!tab || !strip) return;
  const left = tab.offsetLeft - strip.offsetLeft;
  if (left < strip.scrollLeft) strip.scrollLeft = left;
  else if (left + tab.offsetWidth > strip.scrollLeft + strip.clientWidth) strip.scrollLeft = left + tab.offsetWidth - strip.clientWidth;
}
