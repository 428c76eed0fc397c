import { useEffect, useState } from 'react';
import { filesFromTransfer } from '../lib/attachments.ts';
import { useApp, useServices } from '../state/context.tsx';
import type { AppStore } from '../state/store.ts';
import { selectNoModels } from '../state/selectors.ts';
import { Composer } from './Composer.tsx';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { NoModel, Welcome } from './EmptyStates.tsx';
import { Header } from './Header.tsx';
import { HelpDialog } from './HelpDialog.tsx';
import { LiveAnnouncer } from './LiveAnnouncer.tsx';
import { MessageList } from './MessageList.tsx';
import { ModelsPage } from './models-page/ModelsPage.tsx';
import { RedactDialog, RedactPendingDialog } from './RedactDialog.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';
import { Sidebar } from './Sidebar.tsx';
import { TileDialog } from './TileDialog.tsx';
import { Toasts } from './Toasts.tsx';
import { useShortcuts } from './use-shortcuts.ts';

/** Follows the theme setting; 'system' leaves it to the OS (CSS light-dark() with color-scheme). */
function useTheme() {
  const theme = useApp((s) => s.settings?.theme ?? 'system');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
}

/** Matches the CSS breakpoint where the sidebar becomes an overlay. */
const isNarrow = () => (globalThis.innerWidth ?? 1200) <= 760;

/**
 * A file dropped anywhere in the window is attached (not only on the composer): otherwise the browser
 * would open the image in place of the app. While files are dragged over the window, returns true (the
 * whole window shows the drop overlay).
 */
export function useWindowDrop(store: AppStore): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    // dragenter/dragleave fire for every element crossed; the window is left when they balance out.
    let depth = 0;
    const end = () => {
      depth = 0;
      setDragging(false);
    };
    const onDragEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth += 1;
      setDragging(true);
    };
    const onDragLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0 || e.relatedTarget === null) end();
    };
    const onDragOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      end();
      if (!hasFiles(e)) return;
      e.preventDefault();
      // The composer handles its own drops (and prevents the default); this is for the rest.
      if (e.dataTransfer && !(e.target as Element | null)?.closest?.('[data-testid="composer"]'))
        store.getState().addFiles(filesFromTransfer(e.dataTransfer), 'drop');
    };
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    window.addEventListener('dragend', end);
    return () => {
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('dragend', end);
    };
  }, [store]);
  return dragging;
}

export function App() {
  const { store } = useServices();
  useTheme();
  useShortcuts(store);
  const dragging = useWindowDrop(store);
  const [sidebarOpen, setSidebarOpen] = useState(() => !isNarrow());
  const currentThreadId = useApp((s) => s.currentThreadId);
  // In a narrow window the sidebar covers the conversation; picking a thread closes it.
  useEffect(() => {
    if (isNarrow()) setSidebarOpen(false);
  }, [currentThreadId]);
  return (
    <div className={`app${sidebarOpen ? '' : ' app-sidebar-closed'}`} data-testid="app">
      <Sidebar open={sidebarOpen} />
      {sidebarOpen && (
        <div className="sidebar-scrim" aria-hidden="true" onClick={() => setSidebarOpen(false)} />
      )}
      <main className="main">
        <ConnectionBanner />
        <Header sidebarOpen={sidebarOpen} onToggleSidebar={() => setSidebarOpen((open) => !open)} />
        <Conversation />
        <Composer />
      </main>
      <Dialogs />
      <Toasts />
      <LiveAnnouncer />
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-hint">Drop images to attach them</div>
        </div>
      )}
    </div>
  );
}

function Conversation() {
  const noModels = useApp(selectNoModels);
  const empty = useApp((s) => (s.current ? s.current.path.length === 0 : s.currentThreadId === null));
  if (noModels) return <div className="conversation">{<NoModel />}</div>;
  if (empty) return <div className="conversation">{<Welcome />}</div>;
  return <MessageList />;
}

function Dialogs() {
  const dialog = useApp((s) => s.dialog);
  const close = useApp((s) => s.closeDialog);
  // New images waiting for their redaction (before they are attached) open when no other dialog is.
  if (!dialog) return <RedactPendingDialog />;
  if (dialog.kind === 'settings') return <SettingsDialog onClose={close} />;
  if (dialog.kind === 'help') return <HelpDialog onClose={close} />;
  if (dialog.kind === 'models') return <ModelsPage onClose={close} />;
  if (dialog.kind === 'redact')
    return <RedactDialog attachmentKey={dialog.attachmentKey} label={dialog.label} onClose={close} />;
  return (
    <TileDialog
      key={dialog.image.sha256}
      image={dialog.image}
      label={dialog.label}
      attachmentKey={dialog.attachmentKey}
      selectRegion={dialog.selectRegion}
      onClose={close}
    />
  );
}
