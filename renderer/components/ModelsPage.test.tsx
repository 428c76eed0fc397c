// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryFit } from '../../app/catalog.ts';
import type { DownloadJob } from '../../app/ipc/contract.ts';
import { loadAll } from '../state/store.ts';
import { FAKE_CATALOG, FAKE_MODEL, fakeModel } from '../testing/fake-api.ts';
import type { FakeApiOptions } from '../testing/fake-api.ts';
import { must, settle } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { App } from './App.tsx';
import { ModelsPage } from './models-page/ModelsPage.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';

afterEach(cleanup);

const SMALL = 'HuggingFaceTB/SmolVLM-256M-Instruct';
const MEDIUM = 'HuggingFaceTB/SmolVLM-500M-Instruct';
const GiB = 1024 ** 3;

async function page(options: FakeApiOptions = {}) {
  const view = renderWithServices(<ModelsPage onClose={() => {}} />, options);
  await act(() => loadAll(view.store));
  return view;
}

const entryCard = (repo: string) =>
  must(
    screen.getAllByTestId('catalog-entry').find((e) => e.dataset.repo === repo),
    `the catalog entry ${repo}`,
  );

const callsOf = (view: { fake: { calls: Array<{ name: string; input: unknown }> } }, name: string) =>
  view.fake.calls.filter((c) => c.name === name).map((c) => c.input);

/** Clicks, then lets the fake answer and the focus moves that follow (timers) happen. */
async function click(element: HTMLElement) {
  await act(async () => {
    fireEvent.click(element);
    await settle();
    await settle();
  });
}

/** Starts a download from the catalog and returns its job. */
async function startFromCatalog(
  view: Awaited<ReturnType<typeof page>>,
  repo: string,
  variant: string,
): Promise<DownloadJob> {
  const button = within(entryCard(repo))
    .getAllByTestId('variant-download')
    .find((b) => b.dataset.variant === variant);
  await click(must(button, `the ${variant} download button`));
  return must(
    [...view.fake.downloads.values()].findLast((j) => j.repo === repo && j.variant === variant),
    'the download job',
  );
}

const row = () => screen.getByTestId('download-row');

describe('Models page', () => {
  it('lists the catalog: supported entries with variants and a memory fit, unsupported ones with the reason', async () => {
    await page({ memory: { totalBytes: 8 * GiB, availableBytes: 2 * GiB } });
    const cards = screen.getAllByTestId('catalog-entry');
    expect(cards.map((c) => c.dataset.repo)).toEqual(FAKE_CATALOG.map((e) => e.repo));

    const small = entryCard(SMALL);
    expect(small.dataset.supported).toBe('true');
    expect(small.textContent).toMatch(/256M/);
    expect(small.textContent).toMatch(/Apache-2\.0/);
    expect(small.textContent).toMatch(/8,192 tokens of context/);
    expect(within(small).queryByTestId('catalog-unsupported')).toBeNull();
    const variants = within(small).getAllByTestId('catalog-variant');
    expect(variants.map((v) => v.dataset.variant)).toEqual(['q4', 'q8', 'q4f16', 'fp16', 'fp32']);
    expect(
      within(small)
        .getAllByTestId('variant-suits')
        .map((s) => s.textContent),
    ).toEqual(['CPU', 'CPU', 'GPU', 'GPU', 'CPU or GPU']);
    expect(variants[3]?.textContent).toMatch(/WebGPU, CUDA, DirectML/);

    // Every variant's fit badge says what memoryFit says for 2 GiB available.
    for (const entry of FAKE_CATALOG.filter((e) => e.supported)) {
      const fits = within(entryCard(entry.repo))
        .getAllByTestId('variant-fit')
        .map((f) => f.dataset.fit);
      expect(fits).toEqual(entry.variants.map((v) => memoryFit(v, 2 * GiB)));
    }
    const allFits = screen.getAllByTestId('variant-fit').map((f) => f.dataset.fit);
    expect(allFits).toContain('fits');
    expect(allFits).toContain('too-large');

    expect(entryCard('onnx-community/Qwen2-VL-2B-Instruct').dataset.supported).toBe('true');
    const internvl = entryCard('tessera-test/InternVL3-1B');
    expect(internvl.dataset.supported).toBe('false');
    expect(within(internvl).getByTestId('catalog-unsupported').textContent).toBe('Not yet supported');
    expect(within(internvl).getByTestId('unsupported-reason').textContent).toMatch(
      /does not run the InternVL/,
    );
    expect(within(internvl).queryByTestId('variant-download')).toBeNull();

    // What is installed shows as such; the storage facts are there.
    expect(within(small).getByTestId('catalog-installed')).toBeTruthy();
    expect(within(small).getByTestId('variant-installed')).toBeTruthy();
    expect(screen.getByTestId('models-dir').textContent).toMatch(/tessera\/models/);
    expect(screen.getByTestId('free-disk').textContent).toMatch(/GB/);
    expect(screen.getByTestId('memory-available').textContent).toBe('2 GB of 8 GB');
  });

  it('starts a download and shows its progress from downloads.progress events', async () => {
    const view = await page();
    const job = await startFromCatalog(view, MEDIUM, 'q8');
    expect(callsOf(view, 'downloads.start')).toEqual([{ repo: MEDIUM, variant: 'q8' }]);
    expect(row().dataset.state).toBe('queued');
    expect(document.activeElement).toBe(screen.getByTestId('download-pause'));
    const bar = screen.getByTestId('download-progress');
    expect(bar.getAttribute('role')).toBe('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('0');

    act(() => void view.fake.advanceDownload(job.id, Math.round(job.total * 0.425), 4 * 1024 * 1024));
    expect(row().dataset.state).toBe('downloading');
    expect(bar.getAttribute('aria-valuenow')).toBe('42');
    const facts = screen.getByTestId('download-facts').textContent ?? '';
    expect(facts).toMatch(/MB of .*MB/);
    expect(facts).toMatch(/4 MB\/s/);
    expect(facts).toMatch(/left/);
    // The catalog row follows too, without a button to start it twice.
    const variantRow = within(entryCard(MEDIUM))
      .getAllByTestId('catalog-variant')
      .find((v) => v.dataset.variant === 'q8');
    expect(within(must(variantRow)).getByTestId('variant-status').textContent).toBe('42 %');

    // Per-file details.
    const files = screen.getByTestId('download-files');
    expect(files.textContent).toMatch(/Files: \d+ of 8 done/);
    const paths = within(files)
      .getAllByTestId('download-file')
      .map((f) => f.querySelector('.download-file-path')?.textContent);
    expect(paths).toContain('onnx/decoder_model_merged_quantized.onnx');
    expect(within(files).getAllByTestId('download-file')[0]?.dataset.done).toBe('true');

    // Done: the model is installed; the row stays (with Use) until the list is cleared.
    await act(async () => {
      view.fake.completeDownload(job.id);
      await settle();
    });
    expect(row().dataset.state).toBe('done');
    expect(bar.getAttribute('aria-valuenow')).toBe('100');
    expect(screen.queryByTestId('download-pause')).toBeNull();
    expect(screen.queryByTestId('download-cancel')).toBeNull();
    expect(
      screen.getAllByTestId('installed-model').some((m) => m.textContent?.includes('SmolVLM 500M Instruct')),
    ).toBe(true);
    expect(within(must(variantRow)).getByTestId('variant-installed')).toBeTruthy();
    expect(view.store.getState().toasts.at(-1)?.message).toMatch(/Downloaded SmolVLM 500M Instruct \(q8\)/);

    await click(screen.getByTestId('download-use'));
    expect(callsOf(view, 'settings.update')).toEqual([{ activeModelId: 'smolvlm-500m-instruct-q8' }]);
    expect(screen.getByTestId('download-use').textContent).toBe('In use');

    await click(screen.getByTestId('downloads-clear'));
    expect(callsOf(view, 'downloads.clear')).toHaveLength(1);
    expect(screen.queryByTestId('download-row')).toBeNull();
  });

  it('pause, resume and cancel call their requests; the focus stays on the toggling button', async () => {
    const view = await page();
    const job = await startFromCatalog(view, MEDIUM, 'q4');
    act(() => void view.fake.advanceDownload(job.id, 1000));

    const pause = screen.getByTestId('download-pause');
    pause.focus();
    await click(pause);
    expect(callsOf(view, 'downloads.pause')).toEqual([{ id: job.id }]);
    expect(row().dataset.state).toBe('paused');
    const resume = screen.getByTestId('download-resume');
    expect(resume).toBe(pause);
    expect(document.activeElement).toBe(resume);

    await click(resume);
    expect(callsOf(view, 'downloads.resume')).toEqual([{ id: job.id }]);
    expect(row().dataset.state).toBe('queued');

    screen.getByTestId('download-cancel').focus();
    await click(screen.getByTestId('download-cancel'));
    expect(callsOf(view, 'downloads.cancel')).toEqual([{ id: job.id }]);
    expect(screen.queryByTestId('download-row')).toBeNull();
    // The keyboard stays in the dialog.
    expect(document.activeElement).toBe(screen.getByTestId('models-page'));
  });

  it('shows a failed download’s error with what to do, and Retry starts it again', async () => {
    const view = await page();
    const job = await startFromCatalog(view, MEDIUM, 'q4');
    act(() => void view.fake.advanceDownload(job.id, 5000));
    act(
      () =>
        void view.fake.failDownload(job.id, {
          code: 'HUB_ERROR',
          message: 'The Hub answered 503 for HuggingFaceTB/SmolVLM-500M-Instruct.',
        }),
    );
    expect(row().dataset.state).toBe('failed');
    const error = screen.getByTestId('download-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toMatch(/The Hub answered 503/);
    expect(error.textContent).toMatch(/Check the network, the Hub endpoint/);
    expect(screen.queryByTestId('download-pause')).toBeNull();

    const retry = screen.getByTestId('download-retry');
    retry.focus();
    await click(retry);
    expect(callsOf(view, 'downloads.start').at(-1)).toEqual({
      repo: MEDIUM,
      variant: 'q4',
      revision: 'main',
    });
    // The services resume the failed job (same id); the focus stays on the row's button.
    const rows = screen.getAllByTestId('download-row');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.dataset.state).toBe('queued');
    expect(rows[0]?.dataset.downloadId).toBe(job.id);
    expect(screen.queryByTestId('download-error')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('download-pause'));
  });

  it('offers to change the Hub endpoint when the Hub could not be reached, and focuses its field', async () => {
    const view = await page();
    const job = await startFromCatalog(view, MEDIUM, 'q4');
    act(
      () =>
        void view.fake.failDownload(job.id, {
          code: 'HUB_ERROR',
          message: 'Could not connect to http://127.0.0.1:9 (connection refused); gave up after 2 attempts.',
        }),
    );
    expect(screen.getByTestId('download-error').textContent).toMatch(
      /Could not connect to http:\/\/127\.0\.0\.1:9 \(connection refused\)/,
    );
    await act(async () => {
      fireEvent.click(screen.getByTestId('download-change-endpoint'));
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    expect(document.activeElement).toBe(screen.getByTestId('hub-endpoint'));
  });

  it('asks before deleting a model, and deletes it on confirmation', async () => {
    const view = await page({ models: [FAKE_MODEL, fakeModel({ id: 'mine', name: 'My folder model' })] });
    const [downloaded, folder] = screen.getAllByTestId('installed-model');
    expect(downloaded?.textContent).toMatch(/HuggingFaceTB\/SmolVLM-256M-Instruct@8c3f7e1a2b4d · q4/);
    expect(downloaded?.textContent).toMatch(/164 MB on disk/);
    // A folder the user added is not Tessera's to delete.
    expect(within(must(folder)).queryByTestId('model-delete')).toBeNull();
    expect(folder?.textContent).toMatch(/Folder: \/models\/mine/);

    await click(within(must(downloaded)).getByTestId('model-delete'));
    expect(callsOf(view, 'models.delete')).toEqual([]);
    expect(screen.getByTestId('delete-confirmation').textContent).toMatch(
      /Delete SmolVLM 256M Instruct \(164 MB\) from disk\?/,
    );
    expect(document.activeElement).toBe(screen.getByTestId('cancel-delete'));
    await click(screen.getByTestId('cancel-delete'));
    expect(callsOf(view, 'models.delete')).toEqual([]);
    expect(document.activeElement).toBe(screen.getByTestId('model-delete'));

    await click(screen.getByTestId('model-delete'));
    await click(screen.getByTestId('confirm-delete'));
    expect(callsOf(view, 'models.delete')).toEqual([{ id: FAKE_MODEL.id }]);
    expect(screen.getAllByTestId('installed-model').map((m) => m.dataset.modelId)).toEqual(['mine']);
  });

  it('shows why an installed model cannot run, and never makes it the default', async () => {
    const problem =
      'onnx/decoder_model_merged_q4.onnx is a Git LFS pointer (the real file is 123.4 MB): run "git lfs pull" in /models/aaa, or download the model through Tessera.';
    // First by name, so it would be the default were it not broken.
    const broken = fakeModel({ id: 'aaa', name: 'Aaa clone', problem });
    const view = renderWithServices(<ModelsPage onClose={() => {}} />, { models: [broken, FAKE_MODEL] });
    view.fake.settings.activeModelId = null;
    await act(() => loadAll(view.store));
    const [brokenRow, goodRow] = screen.getAllByTestId('installed-model');
    const note = within(must(brokenRow)).getByTestId('model-problem');
    expect(note.textContent).toBe(`Cannot run: ${problem}`);
    expect(brokenRow?.textContent).not.toMatch(/tokens of context/);
    const use = within(must(brokenRow)).getByTestId('model-use');
    expect(use.textContent).toBe('Use');
    expect(use.getAttribute('aria-describedby')).toBe(note.id);
    expect(within(must(goodRow)).queryByTestId('model-problem')).toBeNull();
    expect(within(must(goodRow)).getByTestId('model-use').textContent).toBe('In use');
  });

  it('marks a model that cannot run in the settings, and checks the one that runs', async () => {
    const broken = fakeModel({ id: 'aaa', name: 'Aaa clone', problem: 'config.json is not valid JSON.' });
    const view = renderWithServices(<SettingsDialog onClose={() => {}} />, { models: [broken, FAKE_MODEL] });
    view.fake.settings.activeModelId = null;
    await act(() => loadAll(view.store));
    const [brokenOption, goodOption] = screen.getAllByTestId('model-option');
    const note = within(must(brokenOption)).getByTestId('model-option-problem');
    expect(note.textContent).toBe('Cannot run: config.json is not valid JSON.');
    const brokenRadio = within(must(brokenOption)).getByRole('radio');
    expect(brokenRadio.getAttribute('aria-describedby')).toBe(note.id);
    expect((brokenRadio as HTMLInputElement).checked).toBe(false);
    expect((within(must(goodOption)).getByRole('radio') as HTMLInputElement).checked).toBe(true);
  });

  it('uses another model', async () => {
    const view = await page({ models: [FAKE_MODEL, fakeModel({ id: 'other', name: 'Other' })] });
    const [first, second] = screen.getAllByTestId('model-use');
    expect(first?.getAttribute('aria-disabled')).toBe('true');
    await click(must(second));
    expect(callsOf(view, 'settings.update')).toEqual([{ activeModelId: 'other' }]);
    expect(second?.textContent).toBe('In use');
  });

  it('inspects a source: problems for what cannot run; download or add what can', async () => {
    const view = await page();
    const input = screen.getByTestId('add-model-input');
    const inspect = async (source: string) => {
      fireEvent.change(input, { target: { value: source } });
      await click(screen.getByTestId('add-model-inspect'));
    };

    await inspect('tessera-test/InternVL3-1B');
    expect(screen.getByTestId('inspection').dataset.runnable).toBe('false');
    expect(screen.getByTestId('inspection-problems').textContent).toMatch(/does not run the InternVL family/);
    expect(screen.queryByTestId('inspection-download')).toBeNull();

    await inspect('someone/not-a-model');
    expect(screen.getByTestId('inspection-problems').textContent).toMatch(/not found on the Hub/);

    await inspect('not a repo');
    expect(screen.getByTestId('inspection-error').textContent).toMatch(/neither a Hub repo id/);

    await inspect(`${MEDIUM}@main`);
    expect(screen.getByTestId('inspection').dataset.runnable).toBe('true');
    fireEvent.change(screen.getByTestId('inspection-variant'), { target: { value: 'fp16' } });
    await click(screen.getByTestId('inspection-download'));
    expect(callsOf(view, 'downloads.start')).toEqual([{ repo: MEDIUM, variant: 'fp16', revision: 'main' }]);
    expect(row().dataset.variant).toBe('fp16');

    await inspect('/data/models/smolvlm-tiny');
    expect(screen.getByTestId('inspection').dataset.runnable).toBe('true');
    await click(screen.getByTestId('inspection-add-folder'));
    expect(callsOf(view, 'models.addFolder')).toEqual([{ dir: '/data/models/smolvlm-tiny' }]);
    expect(screen.getAllByTestId('installed-model').map((m) => m.dataset.modelId)).toContain(
      'folder-smolvlm-tiny',
    );
  });

  it('Hub access: the endpoint and where it comes from; a token is stored but never shown', async () => {
    const view = await page();
    expect(screen.getByTestId('hub-endpoint-source').textContent).toMatch(/huggingface\.co, the default/);

    fireEvent.change(screen.getByTestId('hub-endpoint'), { target: { value: 'ftp://mirror' } });
    await click(screen.getByTestId('hub-endpoint-save'));
    expect(screen.getByTestId('hub-endpoint-error').textContent).toMatch(/http/);
    expect(callsOf(view, 'hub.configure')).toEqual([]);

    fireEvent.change(screen.getByTestId('hub-endpoint'), { target: { value: 'https://hf-mirror.example' } });
    await click(screen.getByTestId('hub-endpoint-save'));
    expect(callsOf(view, 'hub.configure')).toEqual([{ endpoint: 'https://hf-mirror.example' }]);
    expect(screen.getByTestId('hub-endpoint-source').dataset.source).toBe('setting');
    await click(screen.getByTestId('hub-endpoint-reset'));
    expect(callsOf(view, 'hub.configure').at(-1)).toEqual({ endpoint: null });

    const token = screen.getByTestId('hub-token') as HTMLInputElement;
    expect(token.type).toBe('password');
    expect(screen.queryByTestId('hub-token-stored')).toBeNull();
    fireEvent.change(token, { target: { value: 'hf_secret' } });
    await click(screen.getByTestId('hub-token-save'));
    expect(callsOf(view, 'hub.configure').at(-1)).toEqual({ token: 'hf_secret' });
    expect(screen.getByTestId('hub-token-stored')).toBeTruthy();
    expect(token.value).toBe('');
    expect(document.body.textContent).not.toMatch(/hf_secret/);

    await click(screen.getByTestId('hub-token-clear'));
    expect(callsOf(view, 'hub.configure').at(-1)).toEqual({ token: null });
    expect(screen.queryByTestId('hub-token-stored')).toBeNull();
    expect(document.activeElement).toBe(token);
  });

  it('reports a refused request in a toast with what to do', async () => {
    const view = await page({
      handlers: {
        'downloads.start': () => ({
          ok: false,
          error: { code: 'HUB_ERROR', message: 'The Hub answered 401 Unauthorized.' },
        }),
      },
    });
    const button = within(entryCard(MEDIUM)).getAllByTestId('variant-download')[0];
    await click(must(button));
    const toast = view.store.getState().toasts.at(-1);
    expect(toast?.tone).toBe('error');
    expect(toast?.message).toMatch(/Could not start the download: The Hub answered 401.*access token/);
  });
});

describe('opening the Models page', () => {
  it('from the header, the keyboard, and Settings', async () => {
    const view = renderWithServices(<App />);
    await act(() => loadAll(view.store));
    fireEvent.click(screen.getByTestId('models-open'));
    expect(screen.getByTestId('models-page')).toBeTruthy();
    fireEvent.keyDown(screen.getByTestId('models-page'), { key: 'Escape' });
    expect(screen.queryByTestId('models-page')).toBeNull();

    fireEvent.keyDown(window, { key: 'M', ctrlKey: true, shiftKey: true });
    expect(screen.getByTestId('models-page')).toBeTruthy();
    fireEvent.click(screen.getByTestId('dialog-close'));

    fireEvent.click(screen.getByTestId('open-settings'));
    fireEvent.click(screen.getByTestId('settings-manage-models'));
    expect(screen.queryByTestId('settings-dialog')).toBeNull();
    expect(screen.getByTestId('models-page')).toBeTruthy();
  });

  it('the header button shows how far downloads are', async () => {
    const view = renderWithServices(<App />);
    await act(() => loadAll(view.store));
    expect(screen.getByTestId('models-open').getAttribute('aria-label')).toBe('Models');
    const started = await act(() => view.store.getState().startDownload({ repo: MEDIUM }));
    const job = must(started);
    act(() => void view.fake.advanceDownload(job.id, Math.ceil(job.total / 4)));
    expect(screen.getByTestId('models-open').getAttribute('aria-label')).toBe('Models (downloading, 25 %)');
    expect(screen.getByTestId('models-download-percent').textContent).toBe('25%');
  });
});
