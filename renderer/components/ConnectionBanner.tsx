import { useEffect, useState } from 'react';
import { useApp, useServices } from '../state/context.tsx';

/** Shown while the WebSocket is down (never with Electron's bridge), with a countdown and "Retry now". */
export function ConnectionBanner() {
  const connection = useApp((s) => s.connection);
  const services = useServices();
  const [now, setNow] = useState(() => Date.now());
  // The first connection gets a moment before "Connecting…" shows, so a normal start does not flash it.
  const [graceOver, setGraceOver] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setGraceOver(true), 800);
    return () => clearTimeout(timer);
  }, []);
  useEffect(() => {
    if (connection?.status !== 'closed' || connection.retryAt === null) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [connection]);

  if (!connection || connection.status === 'open') return null;
  if (connection.status === 'connecting' && connection.attempt === 0 && !graceOver) return null;
  const seconds = connection.retryAt ? Math.max(0, Math.ceil((connection.retryAt - now) / 1000)) : 0;
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner">
      {connection.fatal ? (
        <span>{connection.fatal}</span>
      ) : connection.status === 'connecting' ? (
        <span>Connecting to Tessera…</span>
      ) : (
        <>
          <span>Disconnected from Tessera. Reconnecting{seconds > 0 ? ` in ${seconds} s` : '…'}</span>
          <button type="button" className="button" onClick={() => services.connection?.retryNow()}>
            Retry now
          </button>
        </>
      )}
    </div>
  );
}
