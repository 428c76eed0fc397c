/** What inspecting a repo or folder found: whether it runs, its problems, and Download or Add folder. */
import { useId, useState } from 'react';
import { familyName } from '../../../app/families.ts';
import { formatApproxBytes } from '../../lib/format.ts';
import { parseRepoSource } from '../../lib/models.ts';
import { useActions, useApp } from '../../state/context.tsx';
import { focusDownload } from '../DownloadRow.tsx';
import { DownloadIcon } from '../Icons.tsx';

export function InspectionResult() {
  const inspection = useApp((s) => s.inspection);
  const { startDownload, addFolder, resetInspection } = useActions();
  const result = inspection.result;
  const complete = result?.variants.filter((v) => v.complete) ?? [];
  const [variant, setVariant] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const selectId = useId();

  if (inspection.status === 'idle') return null;
  if (inspection.status === 'loading')
    return (
      <p className="inspection inspection-loading" data-testid="inspection" data-status="loading">
        <span className="spinner" aria-hidden="true" /> Looking at {inspection.source}…
      </p>
    );
  if (inspection.status === 'error' || !result)
    return (
      <div className="message-error" role="alert" data-testid="inspection-error">
        <span>{inspection.error ?? 'Could not inspect it.'}</span>
      </div>
    );

  const chosen = variant && complete.some((v) => v.id === variant) ? variant : (complete[0]?.id ?? null);
  const what = result.kind === 'repo' ? 'Hub repo' : 'folder';

  async function download() {
    if (!result || !chosen) return;
    const { repo, revision } = parseRepoSource(result.source);
    setBusy(true);
    const job = await startDownload({ repo, variant: chosen, ...(revision ? { revision } : {}) });
    setBusy(false);
    if (job) focusDownload(job.id);
  }

  async function add() {
    if (!result) return;
    setBusy(true);
    const model = await addFolder(result.source);
    setBusy(false);
    if (model) resetInspection();
  }

  return (
    <div
      className={`inspection ${result.runnable ? 'inspection-ok' : 'inspection-bad'}`}
      data-testid="inspection"
      data-status="done"
      data-runnable={result.runnable}
    >
      <p className="inspection-verdict">
        {result.runnable ? (
          <>
            <strong>Tessera can run this {what}.</strong>{' '}
            {result.family && `Family ${familyName(result.family)}`}
            {result.modelType && ` (${result.modelType})`}.
          </>
        ) : (
          <strong>Tessera cannot run this {what}.</strong>
        )}
      </p>
      {result.problems.length > 0 && (
        <ul className="inspection-problems" data-testid="inspection-problems">
          {result.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      {result.variants.some((v) => !v.complete) && (
        <p className="muted">
          Incomplete (a graph is missing):{' '}
          {result.variants
            .filter((v) => !v.complete)
            .map((v) => v.id)
            .join(', ')}
        </p>
      )}
      {result.runnable && result.kind === 'repo' && chosen && (
        <div className="input-row">
          <label htmlFor={selectId} className="field-label">
            Variant
          </label>
          <select
            id={selectId}
            data-testid="inspection-variant"
            value={chosen}
            onChange={(e) => setVariant(e.target.value)}
          >
            {complete.map((v) => (
              <option key={v.id} value={v.id}>
                {v.id}
                {v.bytes !== null ? ` — ${formatApproxBytes(v.bytes)}` : ''}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button primary"
            data-testid="inspection-download"
            disabled={busy}
            onClick={() => void download()}
          >
            <DownloadIcon size={16} />
            Download
          </button>
        </div>
      )}
      {result.runnable && result.kind === 'folder' && (
        <button
          type="button"
          className="button primary"
          data-testid="inspection-add-folder"
          disabled={busy}
          onClick={() => void add()}
        >
          Add folder
        </button>
      )}
    </div>
  );
}
