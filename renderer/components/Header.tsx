import { effectiveModel } from '../state/slices/models.ts';
import { useActions, useApp } from '../state/context.tsx';
import { EngineIndicator } from './EngineIndicator.tsx';
import { ExportMenu } from './ExportMenu.tsx';
import { SettingsIcon, SidebarIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';

export function Header({
  onToggleSidebar,
  sidebarOpen,
}: {
  onToggleSidebar: () => void;
  sidebarOpen: boolean;
}) {
  const title = useApp((s) => s.current?.thread.title ?? null);
  const model = useApp((s) => effectiveModel(s.models, s.settings?.activeModelId, s.current?.thread.modelId));
  const overridden = useApp((s) => Boolean(s.current?.thread.modelId));
  const { openDialog } = useActions();
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
      {model && (
        <button
          type="button"
          className="model-chip"
          data-testid="model-chip"
          title={`${model.name} (${model.family}, ${model.contextLength} tokens of context)${overridden ? ' — this thread’s model' : ''}`}
          onClick={() => openDialog({ kind: 'settings' })}
        >
          {model.name}
          {overridden && <span className="model-chip-note">thread</span>}
        </button>
      )}
      <EngineIndicator />
      <ExportMenu />
      <IconButton label="Settings" testId="header-settings" onClick={() => openDialog({ kind: 'settings' })}>
        <SettingsIcon />
      </IconButton>
    </header>
  );
}
