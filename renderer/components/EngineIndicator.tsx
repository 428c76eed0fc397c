import type { EngineState } from '../../app/ipc/contract.ts';
import { useActions, useApp } from '../state/context.tsx';

const LABELS: Record<EngineState, string> = {
  stopped: 'Idle',
  starting: 'Starting',
  ready: 'Ready',
  busy: 'Busy',
  crashed: 'Crashed',
  restarting: 'Restarting',
};

/** The engine's state at a glance; details (and the crash message) in Settings. */
export function EngineIndicator() {
  const engine = useApp((s) => s.engine);
  const { openDialog } = useActions();
  if (!engine) return null;
  const label = LABELS[engine.state] ?? engine.state;
  const detail = engine.error ? `: ${engine.error.message}` : '';
  return (
    <button
      type="button"
      className={`engine engine-${engine.state}`}
      data-testid="engine-status"
      data-state={engine.state}
      aria-label={`Engine ${label}${detail}. Open settings`}
      title={`Engine ${label}${detail}`}
      onClick={() => openDialog({ kind: 'settings' })}
    >
      <span className="engine-dot" aria-hidden="true" />
      <span className="engine-label">{label}</span>
      {engine.state === 'crashed' && engine.error && (
        <span className="engine-error">{engine.error.message}</span>
      )}
    </button>
  );
}
