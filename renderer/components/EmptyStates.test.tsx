// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogEntry, DEFAULT_MODEL_REPO } from '../../app/catalog.ts';
import { formatApproxBytes } from '../lib/format.ts';
import { loadAll } from '../state/store.ts';
import { must, settle, until } from '../testing/harness.ts';
import type { FakeApiOptions } from '../testing/fake-api.ts';
import { renderWithServices } from '../testing/render.tsx';
import { App } from './App.tsx';

afterEach(cleanup);

async function firstRun(options: FakeApiOptions = {}) {
  const view = renderWithServices(<App />, { models: [], ...options });
  await act(() => loadAll(view.store));
  return view;
}

async function click(element: HTMLElement) {
  await act(async () => {
    fireEvent.click(element);
    await settle();
    await settle();
  });
}

const job = (view: Awaited<ReturnType<typeof firstRun>>) =>
  must([...view.fake.downloads.values()].at(-1), 'a download');

describe('first run', () => {
  it('offers the default model; its download shows inline; the composer opens once it is in', async () => {
    const view = await firstRun();
    const entry = must(catalogEntry(DEFAULT_MODEL_REPO));
    const q4 = must(entry.variants.find((v) => v.id === entry.defaultVariant));
    const offer = screen.getByTestId('first-run-download');
    expect(offer.textContent).toBe(`Download SmolVLM 256M (≈ ${formatApproxBytes(q4.downloadBytes)})`);
    expect(offer.textContent).toMatch(/\(≈ \d+ MB\)$/);
    expect((screen.getByTestId('composer-input') as HTMLTextAreaElement).disabled).toBe(true);
    expect((screen.getByTestId('send-button') as HTMLButtonElement).disabled).toBe(true);

    await click(offer);
    expect(view.fake.calls.filter((c) => c.name === 'downloads.start').map((c) => c.input)).toEqual([
      { repo: DEFAULT_MODEL_REPO, variant: 'q4' },
    ]);
    const progress = screen.getByTestId('first-run-progress');
    expect(screen.queryByTestId('first-run-download')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('download-pause'));

    const { id, total } = job(view);
    act(() => void view.fake.advanceDownload(id, Math.ceil(total * 0.6), 8 * 1024 * 1024));
    const bar = progress.querySelector('[role="progressbar"]');
    expect(bar?.getAttribute('aria-valuenow')).toBe('60');
    expect(progress.textContent).toMatch(/8 MB\/s/);
    expect(progress.textContent).toMatch(/left/);

    await click(screen.getByTestId('download-pause'));
    expect(screen.getByTestId('download-row').dataset.state).toBe('paused');
    await click(screen.getByTestId('download-resume'));

    // Done: models.changed brings the model in, and the composer is usable.
    await act(async () => {
      view.fake.completeDownload(id);
      await until(() => (view.store.getState().models?.length ?? 0) === 1, 'the models reloaded');
    });
    expect(screen.queryByTestId('no-model')).toBeNull();
    // The empty thread says where screenshots, recordings and clips come in.
    expect(screen.getByTestId('thread-empty').textContent).toMatch(/record the screen.*MP4 or WebM clip/);
    const input = screen.getByTestId('composer-input') as HTMLTextAreaElement;
    expect(input.disabled).toBe(false);
    // The focus was in the panel that went away: it moves to the message box.
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: 'What is this?' } });
    expect((screen.getByTestId('send-button') as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByTestId('engine-status').dataset.state).toBe('ready');
    expect(view.fake.calls.filter((c) => c.name === 'catalog.get').length).toBeGreaterThan(1);
  });

  it('shows a failed download with its error and retries it in place', async () => {
    const view = await firstRun();
    await click(screen.getByTestId('first-run-download'));
    const first = job(view);
    act(
      () =>
        void view.fake.failDownload(first.id, {
          code: 'HUB_ERROR',
          message: 'Could not reach huggingface.co.',
        }),
    );
    const progress = screen.getByTestId('first-run-progress');
    expect(progress.querySelector('[data-testid="download-error"]')?.textContent).toMatch(
      /Could not reach huggingface\.co\..*Check the network/,
    );
    await click(screen.getByTestId('download-retry'));
    expect(view.fake.calls.filter((c) => c.name === 'downloads.start').at(-1)?.input).toEqual({
      repo: DEFAULT_MODEL_REPO,
      variant: 'q4',
      revision: 'main',
    });
    expect(job(view).id).toBe(first.id);
    expect(screen.getByTestId('download-row').dataset.state).toBe('queued');
    expect(screen.queryByTestId('download-error')).toBeNull();
  });

  it('cancelling brings the offer back; "Browse all models" opens the Models page', async () => {
    await firstRun();
    await click(screen.getByTestId('first-run-download'));
    await click(screen.getByTestId('download-cancel'));
    expect(screen.queryByTestId('first-run-progress')).toBeNull();
    expect(screen.getByTestId('first-run-download')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByTestId('no-model'));

    fireEvent.click(screen.getByTestId('first-run-browse'));
    expect(screen.getByTestId('models-page')).toBeTruthy();
    expect(screen.getByTestId('installed-empty')).toBeTruthy();
  });

  it('still explains how to use a folder of models', async () => {
    await firstRun();
    expect(screen.getByTestId('no-model').textContent).toMatch(/tessera serve --model-dir/);
  });
});
