/** The downloads in progress (and finished ones until cleared), one DownloadRow each. */
import { useActions, useApp, useAppShallow } from '../../state/context.tsx';
import { latestJobs, selectShownDownloadIds } from '../../state/slices/downloads.ts';
import type { AppState } from '../../state/store.ts';
import { DownloadRow } from '../DownloadRow.tsx';
import { Section } from './Section.tsx';

/** Rows keyed by repo and variant (not job id): a retry's new job keeps the row, and the focus in it. */
function selectShownRows(state: AppState): string[] {
  const shown = new Set(selectShownDownloadIds(state));
  return latestJobs(state.downloads)
    .filter((job) => shown.has(job.id))
    .map((job) => `${job.repo}\u0000${job.variant}\u0000${job.id}`);
}

export function DownloadsSection() {
  const rows = useAppShallow(selectShownRows);
  const finished = useApp((s) =>
    Object.values(s.downloads).some(
      (j) => j.state === 'done' || j.state === 'failed' || j.state === 'cancelled',
    ),
  );
  const { clearDownloads } = useActions();
  if (rows.length === 0 && !finished) return null;
  return (
    <Section
      title="Downloads"
      testId="downloads"
      note={
        finished && (
          <button
            type="button"
            className="button small"
            data-testid="downloads-clear"
            onClick={() => void clearDownloads()}
          >
            Clear finished
          </button>
        )
      }
    >
      {rows.length === 0 ? (
        <p className="muted">No downloads running.</p>
      ) : (
        <ul className="download-list">
          {rows.map((row) => {
            const [repo, variant, id] = row.split('\u0000') as [string, string, string];
            return (
              <li key={`${repo}\u0000${variant}`}>
                <DownloadRow id={id} />
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}
