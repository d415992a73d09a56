/** The editor's search, loaded with the learner's first Ctrl/Cmd-F (editor.ts): panel, keys, match marks. */
import { highlightSelectionMatches, openSearchPanel, search, searchKeymap } from '@codemirror/search';
import { keymap } from '@codemirror/view';
import type { Extension } from '@codemirror/state';

export { openSearchPanel };

export function searchExtensions(): Extension {
  return [search(), keymap.of(searchKeymap), highlightSelectionMatches()];
}
