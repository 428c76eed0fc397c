/** The catalog of models to download: a card per model, with its variants or why it is unsupported. */
import { useId } from 'react';
import { CATALOG } from '../../../app/catalog.ts';
import type { CatalogEntry } from '../../../app/catalog.ts';
import { familyName } from '../../../app/families.ts';
import { formatInt } from '../../lib/format.ts';
import { useApp } from '../../state/context.tsx';
import { Section } from './Section.tsx';
import { VariantRow } from './VariantRow.tsx';

export function CatalogSection() {
  const entries = useApp((s) => s.catalog?.entries ?? null);
  const available = useApp((s) => s.catalog?.memory.availableBytes ?? null);
  const list = entries ?? CATALOG;
  return (
    <Section
      title="Available to download"
      testId="catalog"
      note={
        <span className="muted models-section-note">
          Sizes are estimates; memory includes a 4k-token context.
        </span>
      }
    >
      <ul className="catalog-list">
        {list.map((entry) => (
          <CatalogCard key={entry.repo} entry={entry} available={available} />
        ))}
      </ul>
    </Section>
  );
}

function CatalogCard({ entry, available }: { entry: CatalogEntry; available: number | null }) {
  const headingId = useId();
  const installed = useApp(
    (s) => s.models?.some((m) => m.source?.repo.toLowerCase() === entry.repo.toLowerCase()) ?? false,
  );
  return (
    <li
      className={`catalog-entry${entry.supported ? '' : ' catalog-unsupported'}`}
      data-testid="catalog-entry"
      data-repo={entry.repo}
      data-supported={entry.supported}
      aria-labelledby={headingId}
    >
      <div className="catalog-head">
        <h4 id={headingId}>{entry.name}</h4>
        <span className="badge">{entry.size}</span>
        {installed && (
          <span className="badge badge-ok" data-testid="catalog-installed">
            Installed
          </span>
        )}
        {!entry.supported && (
          <span className="badge badge-muted" data-testid="catalog-unsupported">
            Not yet supported
          </span>
        )}
      </div>
      <p className="catalog-meta muted">
        {familyName(entry.family)} · {entry.licence} · {formatInt(entry.contextLength)} tokens of context ·{' '}
        <span className="mono">{entry.repo}</span>
      </p>
      <p className="catalog-summary">{entry.summary}</p>
      {entry.supported ? (
        <div className="variant-scroll">
          <table className="variant-table" aria-label={`Variants of ${entry.name}`}>
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col">Suits</th>
                <th scope="col">Download</th>
                <th scope="col">Memory</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entry.variants.map((variant) => (
                <VariantRow
                  key={variant.id}
                  entry={entry}
                  variant={variant}
                  available={available}
                  recommended={variant.id === entry.defaultVariant}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="catalog-reason" data-testid="unsupported-reason">
          {entry.unsupportedReason ?? 'Tessera does not run this family yet.'}
        </p>
      )}
    </li>
  );
}
