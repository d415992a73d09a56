/**
 * One editor theme for both site themes: every colour is a CSS variable, so switching `data-theme` on
 * <html> restyles the editor with no JavaScript (the variables are defined in workspace.css).
 */
import { EditorView } from '@codemirror/view';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';

const theme = EditorView.theme({
  '&': { color: 'var(--color-text)', backgroundColor: 'var(--color-code-bg, var(--color-bg))', height: '100%', fontSize: '0.875rem' },
  '.cm-scroller': { fontFamily: 'var(--font-mono, monospace)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--color-accent)', padding: '0.5rem 0' },
  '&.cm-focused': { outline: 'none' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--color-accent)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--lab-selection)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--lab-active-line)' },
  '.cm-gutters': { backgroundColor: 'transparent', color: 'var(--color-muted)', border: 'none', borderRight: '1px solid var(--color-border)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--lab-active-line)', color: 'var(--color-text)' },
  '.cm-searchMatch': { backgroundColor: 'var(--lab-search-match)', outline: '1px solid var(--color-warning, #c80)' },
  '.cm-searchMatch.cm-searchMatch-selected': { backgroundColor: 'var(--lab-selection)' },
  '.cm-panels': { backgroundColor: 'var(--color-surface)', color: 'var(--color-text)' },
  '.cm-panels.cm-panels-top': { borderBottom: '1px solid var(--color-border)' },
  '.cm-panel input, .cm-panel button': { font: 'inherit', fontSize: '0.8125rem' },
  '.cm-tooltip': { backgroundColor: 'var(--color-surface-raised, var(--color-surface))', border: '1px solid var(--color-border)' },
  '.cm-matchingBracket': { backgroundColor: 'var(--lab-selection)', outline: '1px solid var(--color-border-strong, var(--color-border))' },
});

const highlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.modifier, tags.operatorKeyword, tags.controlKeyword], color: 'var(--lab-syntax-keyword)' },
  { tag: [tags.string, tags.special(tags.string), tags.regexp], color: 'var(--lab-syntax-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--lab-syntax-number)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--lab-syntax-comment)', fontStyle: 'italic' },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: 'var(--lab-syntax-function)' },
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--lab-syntax-property)' },
  { tag: [tags.typeName, tags.className], color: 'var(--lab-syntax-type)' },
  { tag: tags.invalid, color: 'var(--color-danger)' },
]);

export const labEditorTheme = [theme, syntaxHighlighting(highlight)];
