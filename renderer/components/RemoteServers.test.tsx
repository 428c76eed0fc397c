// @vitest-environment jsdom
/** Settings' Remote servers section and the picker's remote mark, over the fake services (fake/remote.ts). */
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import { loadAll } from '../state/store.ts';
import { FAKE_MODEL } from '../testing/fake/data.ts';
import { settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { ModelPicker } from './ModelPicker.tsx';
import { RemoteServersSection } from './RemoteServersSection.tsx';
import { InstalledSection } from './models-page/InstalledSection.tsx';

const REMOTE_MODEL: ModelEntry = {
  ...FAKE_MODEL,
  id: 'remote:0000000b:far-vlm',
  name: 'far-vlm',
  dir: '',
  bytes: 0,
  source: null,
  remote: {
    serverId: '0000000b',
    serverName: 'GPU box',
    baseUrl: 'http://gpu-box:8000/v1',
    model: 'far-vlm',
    planKnown: false,
    familyRepo: null,
  },
};

afterEach(cleanup);

async function renderBoth(models: ModelEntry[] = [FAKE_MODEL]) {
  const view = renderWithServices(
    <>
      <ModelPicker />
      <RemoteServersSection />
    </>,
    { models },
  );
  await act(async () => {
    await loadAll(view.store);
    await settle();
  });
  return view;
}

const type = (testId: string, value: string) =>
  fireEvent.change(screen.getByTestId(testId), { target: { value } });

async function submit() {
  await act(async () => {
    fireEvent.submit(screen.getByTestId('remote-add'));
    await settle();
  });
}

describe('Remote servers in Settings', () => {
  it('adds a server by address, key and name; lists its models; the key field empties', async () => {
    const view = await renderBoth();
    expect(screen.getByTestId('remote-empty').textContent).toBe('No remote servers.');
    type('remote-url', 'http://gpu-box:8000/v1');
    type('remote-key', 'sk-secret');
    type('remote-name', 'GPU box');
    await submit();
    expect(view.fake.calls.filter((c) => c.name === 'remote.add').map((c) => c.input)).toEqual([
      { baseUrl: 'http://gpu-box:8000/v1', apiKey: 'sk-secret', name: 'GPU box' },
    ]);
    const row = screen.getByTestId('remote-server');
    expect(row.textContent).toContain('GPU box');
    expect(row.textContent).toContain('http://gpu-box:8000/v1');
    expect(row.textContent).toContain('1 model: remote-vlm · API key set');
    expect(row.textContent).not.toContain('sk-secret');
    expect((screen.getByTestId('remote-key') as HTMLInputElement).value).toBe('');
  });

  it('says why a server cannot be added, and adds nothing', async () => {
    await renderBoth();
    type('remote-url', 'http://unreachable:8000/v1');
    await submit();
    expect(screen.getByTestId('remote-error').textContent).toMatch(
      /Could not connect to unreachable:8000 .*connection refused.*Remote servers in Settings/,
    );
    expect(screen.queryByTestId('remote-server')).toBeNull();
  });

  it('removes a server, and its models leave the picker', async () => {
    const view = await renderBoth();
    type('remote-url', 'http://gpu-box:8000/v1');
    await submit();
    await until(() => view.store.getState().models?.length === 2, 'the remote model is listed');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Remove gpu-box:8000' }));
      await settle();
    });
    expect(screen.getByTestId('remote-empty')).toBeTruthy();
    await until(() => view.store.getState().models?.length === 1, 'the remote model is gone');
  });
});

describe("a remote model's family from a Hub repo", () => {
  it('draws its plan once a repo with its configs is named, says why one will not do, and forgets it', async () => {
    const view = await renderBoth();
    type('remote-url', 'http://gpu-box:8000/v1');
    await submit();
    await until(() => screen.queryByTestId('remote-model') !== null, 'the server lists its model');
    expect(screen.getByTestId('remote-model').textContent).toContain(
      'remote-vlm · the tile plan is unknown for this server',
    );
    type('remote-family-repo', 'someone/mystery-vlm');
    await act(async () => {
      fireEvent.click(screen.getByTestId('remote-family-set'));
      await settle();
    });
    expect(screen.getByTestId('remote-family-error').textContent).toMatch(/names no family Tessera can plan/);

    type('remote-family-repo', 'HuggingFaceTB/SmolVLM-256M-Instruct');
    await act(async () => {
      fireEvent.click(screen.getByTestId('remote-family-set'));
      await settle();
    });
    await until(
      () => screen.getByTestId('remote-model').textContent?.includes('SmolVLM (from HuggingFaceTB/') === true,
      'the family is shown with its repo',
    );
    const entry = view.store.getState().models?.find((m) => m.remote);
    expect(entry?.remote).toMatchObject({
      planKnown: true,
      familyRepo: 'HuggingFaceTB/SmolVLM-256M-Instruct',
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId('remote-family-forget'));
      await settle();
    });
    await until(
      () => screen.getByTestId('remote-model').textContent?.includes('tile plan is unknown') === true,
      'the repo is forgotten',
    );
  });
});

describe('the model picker with a remote model', () => {
  it('marks it remote with its server, and choosing it works like a local model', async () => {
    const view = await renderBoth();
    type('remote-url', 'http://gpu-box:8000/v1');
    type('remote-name', 'GPU box');
    await submit();
    await until(() => view.store.getState().models?.length === 2, 'the remote model is listed');
    fireEvent.click(screen.getByTestId('model-chip'));
    const items = screen.getAllByRole('menuitemradio');
    expect(items.map((i) => i.textContent)).toEqual([
      '✓SmolVLM 256M InstructSmolVLM · 164 MB · q4',
      'remote-vlmremoteon GPU box · tile plan unknown',
    ]);
    expect(screen.getAllByTestId('model-remote-mark').map((m) => m.textContent)).toEqual(['remote']);
    const remoteId = items[1]?.getAttribute('data-model-id');
    expect(remoteId).toMatch(/^remote:[0-9a-f]+:remote-vlm$/);
    await act(async () => {
      fireEvent.click(items[1] as HTMLElement);
      await settle();
    });
    expect(view.fake.calls.filter((c) => c.name === 'settings.update').map((c) => c.input)).toEqual([
      { activeModelId: remoteId },
    ]);
    await until(
      () => screen.getByTestId('model-chip').textContent === 'remoteremote-vlm',
      'the chip is marked',
    );
    expect(screen.getByTestId('model-chip').title).toBe(
      'remote-vlm (remote: GPU box, http://gpu-box:8000/v1)',
    );
  });

  it('is not listed among the models on this computer', async () => {
    const view = renderWithServices(<InstalledSection />, { models: [FAKE_MODEL, REMOTE_MODEL] });
    await act(async () => {
      await loadAll(view.store);
      await settle();
    });
    expect(screen.getAllByTestId('installed-model').map((m) => m.getAttribute('data-model-id'))).toEqual([
      FAKE_MODEL.id,
    ]);
  });

  it("keeps an unreachable server's model choosable, with the problem", async () => {
    const unreachable: ModelEntry = {
      ...FAKE_MODEL,
      id: 'remote:0000000a:big-vlm',
      name: 'big-vlm',
      dir: '',
      bytes: 0,
      source: null,
      problem: 'Could not connect to GPU box (http://gpu-box:8000/v1): connection refused.',
      remote: {
        serverId: '0000000a',
        serverName: 'GPU box',
        baseUrl: 'http://gpu-box:8000/v1',
        model: 'big-vlm',
        planKnown: true,
        familyRepo: null,
      },
    };
    await renderBoth([FAKE_MODEL, unreachable]);
    fireEvent.click(screen.getByTestId('model-chip'));
    const item = screen.getAllByRole('menuitemradio')[1] as HTMLElement;
    expect(item.getAttribute('aria-disabled')).toBeNull();
    expect(item.textContent).toContain('on GPU box · SmolVLM');
    expect(screen.getByTestId('model-picker-problem').textContent).toMatch(/connection refused/);
  });
});
