/** A catalog variant's row: what it suits, download and memory sizes, fit, and Download or status. */
import { useState } from 'react';
import type { ReactNode } from 'react';
import { memoryFit } from '../../../app/catalog.ts';
import type { CatalogEntry, CatalogVariant } from '../../../app/catalog.ts';
import { formatApproxBytes, formatBytes } from '../../lib/format.ts';
import { FIT_LABELS, providerNames, suitsLabel } from '../../lib/models.ts';
import { useActions, useApp } from '../../state/context.tsx';
import { latestJobs, percentOf } from '../../state/slices/downloads.ts';
import type { AppState } from '../../state/store.ts';
import { focusDownload } from '../DownloadRow.tsx';
import { DownloadIcon } from '../Icons.tsx';

/** The variant's state as one string, so a row re-renders only when what it shows changes. */
function variantStatus(state: AppState, repo: string, variant: string): string {
  const lower = repo.toLowerCase();
  const job = latestJobs(state.downloads).find(
    (j) => j.repo.toLowerCase() === lower && j.variant === variant,
  );
  if (job && (job.state === 'queued' || job.state === 'downloading' || job.state === 'paused'))
    return `${job.state}:${percentOf(job) ?? 0}:${job.id}`;
  if (state.models?.some((m) => m.source?.repo.toLowerCase() === lower && m.source.variant === variant))
    return 'installed';
  if (job?.state === 'failed') return `failed:0:${job.id}`;
  return 'none';
}

export function VariantRow({
  entry,
  variant,
  available,
  recommended,
}: {
  entry: CatalogEntry;
  variant: CatalogVariant;
  available: number | null;
  recommended: boolean;
}) {
  const status = useApp((s) => variantStatus(s, entry.repo, variant.id));
  const { startDownload } = useActions();
  const [starting, setStarting] = useState(false);
  const fit = available === null ? null : memoryFit(variant, available);
  const suits = suitsLabel(variant.providers);
  const providers = providerNames(variant.providers);
  const [state, percent, jobId] = status.split(':');

  async function start() {
    setStarting(true);
    const job = await startDownload({ repo: entry.repo, variant: variant.id });
    setStarting(false);
    if (job) focusDownload(job.id);
  }

  let action: ReactNode;
  if (state === 'installed')
    action = (
      <span className="badge badge-ok" data-testid="variant-installed">
        Installed
      </span>
    );
  else if (state === 'queued' || state === 'downloading' || state === 'paused')
    action = (
      <button
        type="button"
        className="link-button"
        data-testid="variant-status"
        onClick={() => jobId && focusDownload(jobId)}
      >
        {state === 'paused' ? `Paused at ${percent} %` : state === 'queued' ? 'Waiting…' : `${percent} %`}
      </button>
    );
  else
    action = (
      <button
        type="button"
        className={`button small${recommended ? ' primary' : ''}`}
        data-testid="variant-download"
        data-variant={variant.id}
        aria-label={`Download ${entry.name} ${variant.id} (about ${formatApproxBytes(variant.downloadBytes)})`}
        disabled={starting}
        onClick={() => void start()}
      >
        <DownloadIcon size={16} />
        {state === 'failed' ? 'Retry' : 'Download'}
      </button>
    );

  return (
    <tr data-testid="catalog-variant" data-variant={variant.id}>
      <th scope="row">
        <span className="mono">{variant.id}</span>
        {recommended && <span className="variant-note">recommended</span>}
      </th>
      <td>
        <span data-testid="variant-suits">{suits}</span>
        {providers !== suits && <span className="variant-providers muted">{providers}</span>}
      </td>
      <td>≈ {formatApproxBytes(variant.downloadBytes)}</td>
      <td>
        ≈ {formatApproxBytes(variant.memoryBytes)}{' '}
        {fit && (
          <span
            className={`fit fit-${fit}`}
            data-testid="variant-fit"
            data-fit={fit}
            title={`Needs about ${formatApproxBytes(variant.memoryBytes)}; ${formatBytes(available ?? 0)} is available`}
          >
            {FIT_LABELS[fit]}
          </span>
        )}
      </td>
      <td className="variant-action">{action}</td>
    </tr>
  );
}
