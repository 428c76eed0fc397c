/**
 * Start-up: pick the transport (Electron bridge or WebSocket), build the Api, the store and its event
 * feed, then render. Nothing below this file knows which transport runs.
 */
import 'katex/dist/katex.min.css';
import './styles/app.css';
import './styles/markdown.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { chooseTransport } from './api/choose-transport.ts';
import { createApi } from './api/create-api.ts';
import type { Transport } from './api/transport.ts';
import { App } from './components/App.tsx';
import { createImageUrls } from './lib/image-urls.ts';
import { ServicesProvider } from './state/context.tsx';
import { bindDrafts } from './state/drafts.ts';
import { bindEvents } from './state/events.ts';
import { createAppStore, loadAll } from './state/store.ts';

async function pickTransport(): Promise<Transport> {
  // `vite` dev server only (stripped from builds): ?demo runs the UI against the in-memory fake services
  // (?demo=first-run: with no model yet).
  const params = new URLSearchParams(location.search);
  if (import.meta.env.DEV && params.has('demo')) {
    const { createDemoTransport } = await import('./testing/demo.ts');
    return createDemoTransport(params.get('demo'));
  }
  return chooseTransport(window as Window & Parameters<typeof chooseTransport>[0]);
}

async function start(): Promise<void> {
  const transport = await pickTransport();
  const api = createApi(transport);
  const images = createImageUrls(api);
  const store = createAppStore({ api, images });
  bindEvents(api, store);
  const drafts = bindDrafts(api, store);
  // A reload or a closed window: what was typed in the last pause still reaches the store.
  addEventListener('pagehide', () => drafts.flush());

  const connection = transport.connection ?? null;
  if (connection) {
    store.getState().setConnection(connection.get());
    let wasOpen = connection.get().status === 'open';
    connection.subscribe((state) => {
      store.getState().setConnection(state);
      // Events were missed while the link was down: reload what they would have changed.
      if (state.status === 'open' && !wasOpen) void loadAll(store);
      wasOpen = state.status === 'open';
    });
  } else {
    void loadAll(store);
  }

  const root = document.getElementById('root');
  if (!root) throw new Error('No #root element.');
  createRoot(root).render(
    <StrictMode>
      <ServicesProvider services={{ api, store, images, connection }}>
        <App />
      </ServicesProvider>
    </StrictMode>,
  );
}

void start();
