import { useState } from 'react';
import { catalogEntry, DEFAULT_MODEL_REPO, memoryFit } from '../../app/catalog.ts';
import { formatApproxBytes, formatBytes } from '../lib/format.ts';
import { shortName } from '../lib/models.ts';
import { MOD } from '../lib/shortcuts.ts';
import { useActions, useApp } from '../state/context.tsx';
import { latestJobs } from '../state/slices/downloads.ts';
import type { AppState } from '../state/store.ts';
import { DownloadRow, focusDownload } from './DownloadRow.tsx';
import { DownloadIcon } from './Icons.tsx';

/** The newest download of the default model (any state), as id and state. */
function selectFirstRunJob(state: AppState): string | null {
  const lower = DEFAULT_MODEL_REPO.toLowerCase();
  const job = latestJobs(state.downloads).findLast((j) => j.repo.toLowerCase() === lower);
  return job && job.state !== 'cancelled' ? `${job.state}:${job.id}` : null;
}

/**
 * No model yet (the first run): one button downloads the default model, its progress shows here, and once
 * `models.changed` brings it in the conversation takes over. Other models are on the Models page.
 */
export function NoModel() {
  const listed = useApp((s) => s.catalog?.entries.find((e) => e.repo === DEFAULT_MODEL_REPO) ?? null);
  const available = useApp((s) => s.catalog?.memory.availableBytes ?? null);
  const job = useApp(selectFirstRunJob);
  const { startDownload, openDialog } = useActions();
  const [starting, setStarting] = useState(false);
  // The catalog ships with the app, so the offer shows even before (or without) catalog.get.
  const entry = listed ?? catalogEntry(DEFAULT_MODEL_REPO);
  const variant = entry?.variants.find((v) => v.id === entry.defaultVariant) ?? entry?.variants[0];
  const [jobState, jobId] = job ? (job.split(':') as [string, string]) : [null, null];
  const fit = variant && available !== null ? memoryFit(variant, available) : null;

  async function download() {
    if (!entry || !variant) return;
    setStarting(true);
    const started = await startDownload({ repo: entry.repo, variant: variant.id });
    setStarting(false);
    if (started) focusDownload(started.id);
  }

  return (
    <section className="empty-state first-run" data-testid="no-model" tabIndex={-1} data-focus-home>
      <div className="empty-mark" aria-hidden="true" />
      <h2>Get a model to start</h2>
      <p>
        Tessera answers with a vision-language model that runs on this computer — nothing leaves it once the
        model is downloaded.
        {entry && (
          <>
            {' '}
            Start with <strong>{entry.name}</strong>: {entry.summary}
          </>
        )}
      </p>
      {entry && variant && (
        <div className="first-run-offer">
          {jobState === 'done' ? (
            <div data-testid="first-run-progress">
              <p className="first-run-done" role="status" data-testid="first-run-done">
                <span className="spinner" aria-hidden="true" /> Downloaded. Loading the model…
              </p>
            </div>
          ) : jobId ? (
            <div data-testid="first-run-progress">
              <DownloadRow id={jobId} headline={false} />
            </div>
          ) : (
            <button
              type="button"
              className="button primary large"
              data-testid="first-run-download"
              data-repo={entry.repo}
              data-variant={variant.id}
              disabled={starting}
              onClick={() => void download()}
            >
              <DownloadIcon />
              Download {shortName(entry.name)} (≈ {formatApproxBytes(variant.downloadBytes)})
            </button>
          )}
          {fit && fit !== 'fits' && !jobId && (
            <p className="settings-warning" data-testid="first-run-fit">
              {fit === 'tight'
                ? `It needs about ${formatApproxBytes(variant.memoryBytes)} of memory, close to the ${formatBytes(available ?? 0)} available: close other programs if answers are slow.`
                : `It needs about ${formatApproxBytes(variant.memoryBytes)} of memory, more than the ${formatBytes(available ?? 0)} available.`}
            </p>
          )}
        </div>
      )}
      <p>
        <button
          type="button"
          className="link-button"
          data-testid="first-run-browse"
          onClick={() => openDialog({ kind: 'models' })}
        >
          Browse all models
        </button>{' '}
        <span className="muted">
          — larger models, other variants, a Hub repo or a folder you already have.
        </span>
      </p>
      <details className="first-run-more">
        <summary>Or start Tessera with a folder of models</summary>
        <p>Point it at a folder of models in the Hugging Face ONNX layout:</p>
        <pre className="command">
          <code>tessera serve --model-dir ~/models</code>
        </pre>
        <p>To try the app without downloading weights, make a small random-weight model first:</p>
        <pre className="command">
          <code>npx tessera make-model --family smolvlm --size tiny --out ~/models/tiny</code>
        </pre>
        <p className="muted">Its answers are gibberish, but every part of the app works with it.</p>
      </details>
    </section>
  );
}

/** An empty thread: what to do first, and what the tile view is. */
export function Welcome() {
  return (
    <section className="empty-state welcome" data-testid="thread-empty">
      <div className="empty-mark" aria-hidden="true" />
      <h2>Ask about an image</h2>
      <ul className="welcome-tips">
        <li>
          Paste a screenshot with <kbd>{MOD}+V</kbd>, drop image files here, or use the paperclip.
        </li>
        <li>
          Each image shows <strong>how the model cuts it into tiles</strong> and what each tile costs in
          tokens. Switch an image to <em>Low</em> detail when small text does not matter.
        </li>
        <li>Several images are sent in order as Image 1, Image 2, … — refer to them by those names.</li>
        <li>
          The buttons beside the paperclip take a screenshot or record the screen. Models that read video
          (Qwen2-VL, Qwen2.5-VL, SmolVLM2) also take a short MP4 or WebM clip, dropped here like an image.
        </li>
      </ul>
    </section>
  );
}
