import { ACTIVE_STATES } from '../state/slices/downloads.ts';
import type { AppState } from '../state/store.ts';
import { useActions, useApp } from '../state/context.tsx';
import { EngineIndicator } from './EngineIndicator.tsx';
import { ExportMenu } from './ExportMenu.tsx';
import { ModelsIcon, SidebarIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';
import { ModelPicker } from './ModelPicker.tsx';

export function Header({
  onToggleSidebar,
  sidebarOpen,
}: {
  onToggleSidebar: () => void;
  sidebarOpen: boolean;
}) {
  const title = useApp((s) => s.current?.thread.title ?? null);
  return (
    <header className="topbar">
      <IconButton
        label={sidebarOpen ? 'Hide threads' : 'Show threads'}
        aria-expanded={sidebarOpen}
        testId="toggle-sidebar"
        onClick={onToggleSidebar}
      >
        <SidebarIcon />
      </IconButton>
      <h1 className="topbar-title" data-testid="thread-title">
        {title ?? 'Tessera'}
      </h1>
      <ModelPicker />
      <EngineIndicator />
      <ModelsButton />
      <ExportMenu />
    </header>
  );
}

/** Whole percent of everything downloading (null: nothing is), for the Models button's badge. */
function selectDownloadPercent(state: AppState): number | null {
  let bytes = 0;
  let total = 0;
  let any = false;
  for (const job of Object.values(state.downloads)) {
    if (!ACTIVE_STATES.has(job.state) || job.state === 'paused') continue;
    any = true;
    bytes += job.bytes;
    total += job.total;
  }
  if (!any) return null;
  return total > 0 ? Math.floor((bytes / total) * 100) : 0;
}

/** Opens the Models page; shows how far running downloads are (re-renders per whole percent only). */
function ModelsButton() {
  const percent = useApp(selectDownloadPercent);
  const { openDialog } = useActions();
  const label = percent === null ? 'Models' : `Models (downloading, ${percent} %)`;
  return (
    <IconButton
      label={label}
      testId="models-open"
      className={percent === null ? undefined : 'models-button-busy'}
      onClick={() => openDialog({ kind: 'models' })}
    >
      <ModelsIcon />
      {percent !== null && (
        <span className="models-button-badge" aria-hidden="true" data-testid="models-download-percent">
          {percent}%
        </span>
      )}
    </IconButton>
  );
}
