import { useEffect, useId, useRef, useState } from 'react';
import type { FocusEvent, KeyboardEvent } from 'react';
import { saveTextFile } from '../lib/download.ts';
import { describeError } from '../lib/errors.ts';
import { useActions, useApp, useServices } from '../state/context.tsx';
import { ExportIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';

const FORMATS = [
  { format: 'markdown', label: 'Markdown', type: 'text/markdown', testId: 'export-markdown' },
  { format: 'json', label: 'JSON', type: 'application/json', testId: 'export-json' },
  { format: 'html', label: 'Web page (HTML)', type: 'text/html', testId: 'export-html' },
] as const;

type Choice = (typeof FORMATS)[number];

/** The header's Export menu: the open thread as a Markdown or JSON file, saved as a download. */
export function ExportMenu() {
  const { api } = useServices();
  const { pushToast } = useActions();
  const threadId = useApp((s) => s.current?.thread.id ?? null);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const shown = open && threadId !== null;

  useEffect(() => {
    if (shown) root.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [shown]);

  const close = () => {
    setOpen(false);
    root.current?.querySelector<HTMLElement>('[data-testid="export-menu"]')?.focus();
  };

  async function exportAs(choice: Choice) {
    close();
    if (!threadId) return;
    const result = await api['threads.export']({ id: threadId, format: choice.format });
    if (!result.ok) {
      pushToast({ message: `Could not export: ${describeError(result.error)}`, tone: 'error' });
      return;
    }
    saveTextFile(result.value.filename, result.value.content, choice.type);
  }

  function onKeyDown(event: KeyboardEvent) {
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key];
    if (event.key === 'Escape') {
      // Not to the window: there Escape stops the answer being written.
      event.stopPropagation();
      close();
    } else if (move !== undefined) {
      event.preventDefault();
      items[(move + items.length) % items.length]?.focus();
    }
  }

  return (
    <div
      className="menu-anchor"
      ref={root}
      onBlur={(e: FocusEvent) => {
        if (!root.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <IconButton
        label="Export thread"
        testId="export-menu"
        aria-haspopup="menu"
        aria-expanded={shown}
        aria-controls={shown ? menuId : undefined}
        disabled={threadId === null}
        onClick={() => setOpen((o) => !o)}
      >
        <ExportIcon />
      </IconButton>
      {shown && (
        <div className="menu" role="menu" id={menuId} aria-label="Export thread as" onKeyDown={onKeyDown}>
          {FORMATS.map((choice) => (
            <button
              key={choice.format}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="menu-item"
              data-testid={choice.testId}
              onClick={() => void exportAs(choice)}
            >
              {choice.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
