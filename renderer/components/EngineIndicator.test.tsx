// @vitest-environment jsdom
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAll } from '../state/store.ts';
import { renderWithServices } from '../testing/render.tsx';
import { EngineIndicator } from './EngineIndicator.tsx';

afterEach(cleanup);

describe('EngineIndicator', () => {
  it('says Disconnected, not the last known state, while Tessera cannot be reached', async () => {
    const view = renderWithServices(<EngineIndicator />);
    await act(() => loadAll(view.store));
    const status = () => screen.getByTestId('engine-status');
    expect(status().dataset.state).toBe('ready');
    act(() =>
      view.store.getState().setConnection({ status: 'closed', attempt: 1, retryAt: null, fatal: null }),
    );
    expect(status().dataset.state).toBe('disconnected');
    expect(status().textContent).toBe('Disconnected');
    act(() =>
      view.store.getState().setConnection({ status: 'open', attempt: 0, retryAt: null, fatal: null }),
    );
    expect(status().dataset.state).toBe('ready');
  });
});
