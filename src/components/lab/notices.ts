/**
 * Messages above the editor that need the learner's attention and stay until resolved: storage failures,
 * an unavailable runtime, "reset — undo?". Each has a key so it can be replaced or removed.
 */
export interface Notices {
  show(key: string, text: string, tone: 'error' | 'info', action?: { label: string; run: () => void }): HTMLButtonElement | null;
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
      let button: HTMLButtonElement | null = null;
      if (action) {
        button = document.createElement('button');
        button.type = 'button';
        button.className = 'lab-btn lab-btn--small';
        button.textContent = action.label;
        button.addEventListener('click', action.run);
        item.append(button);
      }
      items.set(key, item);
      host.append(item);
      sync();
      return button;
    },
    hide(key) {
      items.get(key)?.remove();
      items.delete(key);
      sync();
    },
  };
}
