import { useEffect } from 'react';
import { isEditable } from '../lib/shortcuts.ts';
import type { AppStore } from '../state/store.ts';
import { selectStreamingId } from '../state/selectors.ts';
import { COMPOSER_INPUT_ID } from './Composer.tsx';
import { newThreadAndFocus, SEARCH_INPUT_ID } from './Sidebar.tsx';

/** App-wide keys. Inputs handle their own Escape first (they stop propagation). */
export function useShortcuts(store: AppStore): void {
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      const state = store.getState();
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const focus = (id: string) => {
        const el = document.getElementById(id) as HTMLInputElement | null;
        el?.focus();
        el?.select?.();
      };
      if (state.dialog) return; // the dialog owns the keyboard (Escape closes it)
      if ((mod && key === 'n') || (event.altKey && key === 'n')) {
        event.preventDefault();
        void newThreadAndFocus(state.newThread);
      } else if (mod && key === 'k') {
        event.preventDefault();
        focus(SEARCH_INPUT_ID);
      } else if (mod && key === 'l') {
        event.preventDefault();
        document.getElementById(COMPOSER_INPUT_ID)?.focus();
      } else if ((mod && event.shiftKey && key === 'm') || (event.altKey && !mod && key === 'm')) {
        event.preventDefault();
        state.openDialog({ kind: 'models' });
      } else if (mod && key === ',') {
        event.preventDefault();
        state.openDialog({ kind: 'settings' });
      } else if ((mod && key === '/') || (event.key === '?' && !mod && !isEditable(event.target))) {
        event.preventDefault();
        state.openDialog({ kind: 'help' });
      } else if (event.key === 'Escape') {
        const streaming = selectStreamingId(state);
        if (streaming) {
          event.preventDefault();
          void state.stop(streaming);
        }
      }
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [store]);
}
