/** The Models page's storage facts: models folder, free disk, memory; or the catalog's load error. */
import { formatBytes } from '../../lib/format.ts';
import { useActions, useApp } from '../../state/context.tsx';

export function StorageFacts() {
  const catalog = useApp((s) => s.catalog);
  const error = useApp((s) => s.catalogError);
  const { loadCatalog } = useActions();
  if (!catalog)
    return error ? (
      <div className="message-error" role="alert" data-testid="catalog-error">
        <span>Could not read the catalog: {error}</span>
        <button
          type="button"
          className="button"
          data-testid="catalog-retry"
          onClick={() => void loadCatalog()}
        >
          Try again
        </button>
      </div>
    ) : (
      <p className="muted">Loading…</p>
    );
  return (
    <dl className="models-facts" data-testid="models-storage">
      <div>
        <dt>Models folder</dt>
        <dd className="mono" data-testid="models-dir" title={catalog.modelsDir}>
          {catalog.modelsDir}
        </dd>
      </div>
      <div>
        <dt>Free disk space</dt>
        <dd data-testid="free-disk">
          {catalog.freeDiskBytes === null ? 'Unknown' : formatBytes(catalog.freeDiskBytes)}
        </dd>
      </div>
      <div>
        <dt>Memory available</dt>
        <dd data-testid="memory-available">
          {formatBytes(catalog.memory.availableBytes)} of {formatBytes(catalog.memory.totalBytes)}
        </dd>
      </div>
    </dl>
  );
}
