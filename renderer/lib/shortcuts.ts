/** The app's keyboard shortcuts, listed once for the handler and for the help overlay. */
export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const MOD = isMac ? '⌘' : 'Ctrl';

export const SHORTCUTS: Array<{ keys: string; action: string }> = [
  { keys: `${MOD}+N`, action: 'New thread (Alt+N in a browser, which keeps Ctrl+N)' },
  { keys: `${MOD}+K`, action: 'Search threads' },
  { keys: `${MOD}+L`, action: 'Focus the message box' },
  { keys: 'Enter', action: 'Send' },
  { keys: 'Shift+Enter', action: 'New line' },
  { keys: 'Escape', action: 'Stop the answer being written; close a dialog' },
  { keys: `${MOD}+V`, action: 'Paste text or a screenshot' },
  { keys: `${MOD}+,`, action: 'Settings' },
  { keys: `${MOD}+Shift+M`, action: 'Models: download, use and delete (Alt+M in a browser)' },
  { keys: `? or ${MOD}+/`, action: 'This list' },
  { keys: '↑ ↓', action: 'Move between threads; F2 renames, Delete deletes' },
  { keys: '← → ↑ ↓', action: 'Move between tiles in a tile view' },
  { keys: '← → ↑ ↓', action: 'Move a region selection (Select a region, Ask about a region, Redact)' },
  { keys: 'Shift+← → ↑ ↓', action: 'Resize a region selection from its bottom-right corner' },
  { keys: 'Enter', action: 'Attach the selected region (or black it out, in Redact); Escape cancels' },
];

export function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return (
    el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT'
  );
}
