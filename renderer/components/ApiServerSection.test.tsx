// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServerStatus } from '../../app/ipc/contract.ts';
import { loadAll } from '../state/store.ts';
import { settle } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { EngineIndicator } from './EngineIndicator.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';

afterEach(cleanup);

async function open(ui = <SettingsDialog onClose={() => {}} />) {
  const view = renderWithServices(ui);
  await act(async () => {
    await loadAll(view.store);
    await settle();
  });
  return view;
}

const status = (changes: Partial<ApiServerStatus>): ApiServerStatus => ({
  settings: { enabled: true, port: 4891, allowNetwork: false, corsOrigin: '', fetchImageUrls: false },
  state: 'listening',
  url: 'http://127.0.0.1:4891/v1',
  networkUrls: [],
  key: 'tsk-shown',
  keySource: 'stored',
  error: null,
  running: 0,
  waiting: 0,
  ...changes,
});

describe('Settings → Local API server', () => {
  it('turns the server on, shows the address and the key, makes a new key, and saves the port and origin', async () => {
    const view = await open();
    const section = screen.getByTestId('settings-api');
    expect(section.textContent).toContain('Local API server');
    expect(screen.queryByTestId('api-address')).toBeNull();
    const firstKey = screen.getByTestId('api-key').textContent;
    await act(async () => {
      fireEvent.click(screen.getByTestId('api-enabled'));
      await settle();
    });
    expect(view.fake.calls.filter((c) => c.name === 'api.configure').at(-1)?.input).toEqual({
      enabled: true,
    });
    expect(screen.getByTestId('api-address').textContent).toContain('http://127.0.0.1:4891/v1');
    await act(async () => {
      fireEvent.click(screen.getByTestId('api-regenerate'));
      await settle();
    });
    expect(screen.getByTestId('api-key').textContent).not.toBe(firstKey);
    await act(async () => {
      fireEvent.change(screen.getByTestId('api-port'), { target: { value: '5000' } });
      fireEvent.blur(screen.getByTestId('api-port'));
      fireEvent.change(screen.getByTestId('api-cors'), { target: { value: 'https://notes.example' } });
      fireEvent.blur(screen.getByTestId('api-cors'));
      await settle();
    });
    const configured = view.fake.calls.filter((c) => c.name === 'api.configure').map((c) => c.input);
    expect(configured).toContainEqual({ port: 5000 });
    expect(configured).toContainEqual({ corsOrigin: 'https://notes.example' });
    expect(screen.getByTestId('api-address').textContent).toContain(':5000/v1');
  });

  it('says why the server could not start (a port in use) and offers no address', async () => {
    const view = await open();
    act(() =>
      view.fake.emit(
        'api.status',
        status({
          state: 'failed',
          url: null,
          error: 'Port 4891 is in use by another program; choose another port.',
        }),
      ),
    );
    expect(screen.getByTestId('api-error').textContent).toContain('Port 4891 is in use');
    expect(screen.queryByTestId('api-address')).toBeNull();
  });

  it('does not offer a new key when TESSERA_API_KEY sets it', async () => {
    const view = await open();
    act(() => view.fake.emit('api.status', status({ keySource: 'env', key: 'tsk-from-env' })));
    expect(screen.getByTestId('api-key').textContent).toBe('tsk-from-env');
    expect(screen.queryByTestId('api-regenerate')).toBeNull();
  });
});

describe('the engine indicator', () => {
  it('shows API requests generating and waiting, and nothing when there are none', async () => {
    const view = await open(<EngineIndicator />);
    expect(screen.queryByTestId('engine-api-queue')).toBeNull();
    act(() => view.fake.emit('api.status', status({ running: 1, waiting: 2 })));
    expect(screen.getByTestId('engine-api-queue').textContent).toBe('API answering, 2 waiting');
    expect(screen.getByTestId('engine-status').title).toContain('API requests: 1 generating, 2 waiting.');
    act(() => view.fake.emit('api.status', status({ running: 0, waiting: 0 })));
    expect(screen.queryByTestId('engine-api-queue')).toBeNull();
  });
});
