/**
 * Messages above the editor that need the learner's attention and stay until resolved: storage failures,
 * an unavailable runtime, "reset — undo?". Each has a key so it can be replaced or removed.
 */
export interface NoticeAction {
  label: string;
  run: () => void;
}

export interface Notices {
  /** Returns the first action's button (for focus), or null without actions. */
  show(key: string, text: string, tone: 'error' | 'info', action?: NoticeAction | NoticeAction[]): HTMLButtonElement | null;
  hide(key: string): void;
}

export function createNotices(host: HTMLElement): Notices {
  const items = new Map<string, HTMLElement>();
  const sync = (): void => {
    host.hidden = items.size === 0;
  };
  return {
    show(key, text, tone, action) {
      items.get(key)?.remove();
      const item = document.createElement('div');
      item.className = `lab-notice lab-notice--${tone}`;
      item.setAttribute('role', tone === 'error' ? 'alert' : 'status');
      const message = document.createElement('p');
      message.textContent = text;
      item.append(message);
      const buttons = (action === undefined ? [] : Array.isArray(action) ? action : [action]).map(({ label, run }) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'lab-btn lab-btn--small';
        button.textContent = label;
        button.addEventListener('click', run);
        return button;
      });
      item.append(...buttons);
      items.set(key, item);
      host.append(item);
      sync();
      return buttons[0] ?? null;
    },
    hide(key) {
      items.get(key)?.remove();
      items.delete(key);
      sync();
    },
  };
}
