import type { EngineState } from '../../app/ipc/contract.ts';
import { useActions, useApp } from '../state/context.tsx';
import { queueText, useApiServerStatus } from './ApiServerSection.tsx';

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
  // Without a connection to Tessera the last known state is stale: say so rather than "Ready".
  const offline = useApp((s) => s.connection !== null && s.connection.status !== 'open');
  const { openDialog } = useActions();
  // API requests in the engine's queue (main/api/): they wait behind the app's own answers.
  const apiServer = useApiServerStatus();
  const apiQueue = apiServer && apiServer.running + apiServer.waiting > 0 ? queueText(apiServer) : null;
  if (!engine) return null;
  const state = offline ? 'disconnected' : engine.state;
  const label = offline ? 'Disconnected' : (LABELS[engine.state] ?? engine.state);
  const detail = !offline && engine.error ? `: ${engine.error.message}` : '';
  return (
    <button
      type="button"
      className={`engine engine-${state}`}
      data-testid="engine-status"
      data-state={state}
      aria-label={`Engine ${label}${detail}${apiQueue ? `. ${apiQueue}` : ''}. Open settings`}
      title={`Engine ${label}${detail}${apiQueue ? `. ${apiQueue}` : ''}`}
      onClick={() => openDialog({ kind: 'settings' })}
    >
      <span className="engine-dot" aria-hidden="true" />
      <span className="engine-label">{label}</span>
      {!offline && engine.state === 'crashed' && engine.error && (
        <span className="engine-error">{engine.error.message}</span>
      )}
      {!offline && apiServer && apiQueue && (
        <span className="engine-api" data-testid="engine-api-queue">
          {[
            apiServer.running > 0 ? 'API answering' : 'API',
            apiServer.waiting > 0 ? `${apiServer.waiting} waiting` : '',
          ]
            .filter(Boolean)
            .join(', ')}
        </span>
      )}
    </button>
  );
}
