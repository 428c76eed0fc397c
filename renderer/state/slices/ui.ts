import type { ImageRef } from '../../../app/ipc/contract.ts';
import type { ConnectionState } from '../../api/transport.ts';
import type { SliceCreator } from '../store.ts';

export interface Toast {
  id: number;
  message: string;
  tone: 'info' | 'error';
  action: { label: string; run: () => void } | null;
  /** 0 = stays until dismissed. */
  timeoutMs: number;
}

export type DialogState =
  | { kind: 'settings' }
  | { kind: 'help' }
  /** Download, add, use and delete models. */
  | { kind: 'models' }
  /** From a sent message, or (with attachmentKey) from the composer, where the detail can change. */
  | { kind: 'tiles'; image: ImageRef; label: string; attachmentKey?: string; selectRegion?: boolean }
  /** Black out parts of an attachment before it is sent (it is replaced by the redacted image). */
  | { kind: 'redact'; attachmentKey: string; label: string }
  | null;

export interface UiSlice {
  toasts: Toast[];
  dialog: DialogState;
  /** null with the preload bridge, which cannot disconnect. */
  connection: ConnectionState | null;
  pushToast(toast: {
    message: string;
    tone?: Toast['tone'];
    action?: Toast['action'];
    timeoutMs?: number;
  }): number;
  dismissToast(id: number): void;
  openDialog(dialog: Exclude<DialogState, null>): void;
  closeDialog(): void;
  setConnection(connection: ConnectionState | null): void;
}

let nextToastId = 1;

export const createUiSlice: SliceCreator<UiSlice> = () => (set) => ({
  toasts: [],
  dialog: null,
  connection: null,
  pushToast({ message, tone = 'info', action = null, timeoutMs }) {
    const id = nextToastId++;
    // Errors and undo offers stay a little longer: they ask for a decision.
    const timeout = timeoutMs ?? (tone === 'error' || action ? 8000 : 4000);
    set((state) => ({
      toasts: [...state.toasts.slice(-3), { id, message, tone, action, timeoutMs: timeout }],
    }));
    return id;
  },
  dismissToast(id) {
    set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) }));
  },
  openDialog(dialog) {
    set({ dialog });
  },
  closeDialog() {
    set({ dialog: null });
  },
  setConnection(connection) {
    set({ connection });
  },
});
