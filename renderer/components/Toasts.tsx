import { useEffect } from 'react';
import type { Toast } from '../state/slices/ui.ts';
import { useActions, useApp } from '../state/context.tsx';
import { CloseIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </div>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  const { dismissToast } = useActions();
  useEffect(() => {
    if (!toast.timeoutMs) return;
    const timer = setTimeout(() => dismissToast(toast.id), toast.timeoutMs);
    return () => clearTimeout(timer);
  }, [toast, dismissToast]);
  return (
    <div className={`toast toast-${toast.tone}`} data-testid="toast">
      <span>{toast.message}</span>
      {toast.action && (
        <button
          type="button"
          className="toast-action"
          data-testid="toast-action"
          onClick={() => {
            toast.action?.run();
            dismissToast(toast.id);
          }}
        >
          {toast.action.label}
        </button>
      )}
      <IconButton label="Dismiss" onClick={() => dismissToast(toast.id)}>
        <CloseIcon size={16} />
      </IconButton>
    </div>
  );
}
