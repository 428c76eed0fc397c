/**
 * One download: a determinate progress bar, bytes, speed and time left, the files (expandable), Pause /
 * Resume / Retry and Cancel, and the error with what to do. It subscribes to its own job only, so a
 * `downloads.progress` event re-renders this row and nothing else.
 */
import { useRef, useState } from 'react';
import type { DownloadJob } from '../../app/ipc/contract.ts';
import { describeError, errorAdvice } from '../lib/errors.ts';
import { formatBytes, formatDuration, formatSpeed } from '../lib/format.ts';
import { useActions, useApp } from '../state/context.tsx';
import { ACTIVE_STATES, jobName, percentOf } from '../state/slices/downloads.ts';
import { effectiveModel } from '../state/slices/models.ts';
import { AlertIcon, CheckIcon, CloseIcon, PauseIcon, PlayIcon, RefreshIcon } from './Icons.tsx';

const STATE_LABELS: Record<DownloadJob['state'], string> = {
  queued: 'Waiting',
  downloading: 'Downloading',
  paused: 'Paused',
  failed: 'Failed',
  done: 'Done',
  cancelled: 'Cancelled',
};

/** The Hub could not be reached at its address (main/downloads/hub-errors.ts networkError). */
const UNREACHABLE = /^Could not connect to /;

/** Moves the focus to the Models page's Hub endpoint field, opening the page first if it is not open. */
function focusHubEndpoint(openModels: () => void): void {
  const field = () => document.querySelector<HTMLInputElement>('[data-testid="hub-endpoint"]');
  if (!field()) openModels();
  setTimeout(() => {
    const input = field();
    input?.scrollIntoView?.({ block: 'center' });
    input?.focus();
    input?.select();
  }, 0);
}

/** Moves focus to a download's main button (after starting it elsewhere), once it has rendered. */
export function focusDownload(id: string): void {
  setTimeout(() => {
    document
      .querySelector<HTMLElement>(
        `[data-download-id="${id.replace(/["\\]/g, '\\$&')}"] [data-download-primary]`,
      )
      ?.focus();
  }, 0);
}

export function DownloadRow({ id, headline = true }: { id: string; headline?: boolean }) {
  const job = useApp((s) => s.downloads[id]);
  const activeModelId = useApp((s) => effectiveModel(s.models, s.settings?.activeModelId, null)?.id ?? null);
  const { pauseDownload, resumeDownload, cancelDownload, retryDownload, updateSettings, openDialog } =
    useActions();
  const [pending, setPending] = useState(false);
  const row = useRef<HTMLDivElement>(null);
  if (!job) return null;

  const percent = percentOf(job);
  const name = jobName(job);
  const running = job.state === 'downloading' || job.state === 'queued';
  const inUse = job.modelId !== null && job.modelId === activeModelId;
  const use = async () => {
    if (job.modelId && !inUse) return updateSettings({ activeModelId: job.modelId });
    return false;
  };
  const primary =
    job.state === 'failed'
      ? { label: 'Retry', testId: 'download-retry', icon: <RefreshIcon size={16} />, run: retryDownload }
      : job.state === 'paused'
        ? { label: 'Resume', testId: 'download-resume', icon: <PlayIcon size={16} />, run: resumeDownload }
        : job.state === 'done'
          ? job.modelId
            ? {
                label: inUse ? 'In use' : 'Use',
                testId: 'download-use',
                icon: <CheckIcon size={16} />,
                run: use,
              }
            : null
          : job.state === 'cancelled'
            ? null
            : { label: 'Pause', testId: 'download-pause', icon: <PauseIcon size={16} />, run: pauseDownload };

  async function act(run: (id: string) => Promise<boolean>) {
    setPending(true);
    try {
      await run(id);
    } finally {
      setPending(false);
    }
  }

  async function cancel() {
    // The row goes away with the download: keep the keyboard in the dialog (or the first-run panel).
    const home = row.current?.closest<HTMLElement>('[data-focus-home], [role="dialog"]') ?? null;
    const hadFocus = row.current?.contains(document.activeElement) ?? false;
    await act(cancelDownload);
    if (hadFocus)
      setTimeout(() => {
        if (!document.activeElement || document.activeElement === document.body) home?.focus();
      }, 0);
  }

  const facts: string[] = [];
  if (job.state === 'done') facts.push(`${formatBytes(job.total)}, installed`);
  else
    facts.push(
      job.total > 0 ? `${formatBytes(job.bytes)} of ${formatBytes(job.total)}` : 'Finding the files…',
    );
  if (job.state === 'downloading' && job.bytesPerSecond > 0) facts.push(formatSpeed(job.bytesPerSecond));
  if (job.state === 'downloading' && job.etaSeconds !== null)
    facts.push(`${formatDuration(job.etaSeconds)} left`);
  const filesDone = job.files.filter((f) => f.done).length;
  const advice = job.error ? errorAdvice(job.error) : null;
  const unreachable = job.error?.code === 'HUB_ERROR' && UNREACHABLE.test(job.error.message);

  return (
    <div
      ref={row}
      className={`download download-${job.state}`}
      data-testid="download-row"
      data-download-id={job.id}
      data-state={job.state}
      data-repo={job.repo}
      data-variant={job.variant}
    >
      <div className="download-head">
        {headline && <strong className="download-name">{name}</strong>}
        <span className="download-state" data-testid="download-state">
          {STATE_LABELS[job.state]}
          {percent !== null && job.state !== 'failed' && ` · ${percent} %`}
        </span>
      </div>
      <div
        className={`progress${percent === null && running ? ' progress-indeterminate' : ''}`}
        role="progressbar"
        aria-label={`Download of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={
          percent === null
            ? `${STATE_LABELS[job.state]}, size not known yet`
            : `${percent} %, ${formatBytes(job.bytes)} of ${formatBytes(job.total)}`
        }
        data-testid="download-progress"
      >
        <span className="progress-fill" style={{ width: `${percent ?? 0}%` }} />
      </div>
      <div className="download-bar">
        <span className="download-facts" data-testid="download-facts">
          {facts.join(' · ')}
        </span>
        <span className="download-actions">
          {primary && (
            <button
              // One element for Pause, Resume, Retry and Use, so the focus stays on it as the state changes.
              type="button"
              className="button small"
              data-testid={primary.testId}
              data-download-primary
              disabled={pending}
              aria-disabled={inUse || undefined}
              onClick={() => void act(primary.run)}
            >
              {primary.icon}
              {primary.label}
            </button>
          )}
          {ACTIVE_STATES.has(job.state) && (
            <button
              type="button"
              className="button small"
              data-testid="download-cancel"
              aria-label={`Cancel the download of ${name} and delete its partial files`}
              title="Cancel and delete the partial files"
              disabled={pending}
              onClick={() => void cancel()}
            >
              <CloseIcon size={16} />
              Cancel
            </button>
          )}
        </span>
      </div>
      {job.state === 'failed' && (
        <div className="message-error download-error" role="alert" data-testid="download-error">
          <AlertIcon />
          <span>
            {job.error ? describeError(job.error) : 'The download failed.'}
            {advice && <span className="download-advice"> {advice}</span>}
          </span>
          {unreachable && (
            <button
              type="button"
              className="button small"
              data-testid="download-change-endpoint"
              onClick={() => focusHubEndpoint(() => openDialog({ kind: 'models' }))}
            >
              Change the Hub endpoint
            </button>
          )}
        </div>
      )}
      {job.files.length > 0 && (
        <details className="download-files" data-testid="download-files">
          <summary>
            Files: {filesDone} of {job.files.length} done
          </summary>
          <ul>
            {job.files.map((file) => (
              <li key={file.path} data-testid="download-file" data-done={file.done}>
                <span className="mono download-file-path">{file.path}</span>
                <span className="download-file-size">
                  {file.done
                    ? formatBytes(file.total)
                    : `${formatBytes(file.bytes)} of ${formatBytes(file.total)}`}
                  {file.done && <span className="visually-hidden">, done</span>}
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
