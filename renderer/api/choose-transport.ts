import type { TesseraBridge } from '../../app/ipc/bridge.ts';
import { createPreloadTransport } from './preload-transport.ts';
import type { Transport } from './transport.ts';
import { createFailedTransport, createWebSocketTransport } from './websocket-transport.ts';

/** Typed locally instead of augmenting Window, so the Electron side can declare its global freely. */
type PageWindow = Pick<Window, 'location'> & { tessera?: TesseraBridge };

/**
 * Electron's preload bridge when it is there; otherwise the page was served by `tessera serve`, which put
 * an access token in the address (`/?token=…`) and listens for a WebSocket on the same origin.
 */
export function chooseTransport(win: PageWindow): Transport {
  if (win.tessera) return createPreloadTransport(win.tessera);
  return createWebSocketTransportFor(win.location);
}

export function webSocketUrl(location: Pick<Location, 'protocol' | 'host' | 'search'>): string | null {
  const token = new URLSearchParams(location.search).get('token');
  if (!token) return null;
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}

function createWebSocketTransportFor(location: Location): Transport {
  const url = webSocketUrl(location);
  if (!url)
    return createFailedTransport(
      'This address has no access token. Open the link that `tessera serve` printed (it ends in ?token=…).',
    );
  return createWebSocketTransport({ url });
}
