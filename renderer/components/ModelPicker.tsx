/**
 * The header's model chip: a menu button (WAI-ARIA APG) listing the installed models to switch between.
 * Enter, Space or ArrowDown open it on the model in use (ArrowUp on the last item); arrows, Home and End
 * move; Enter chooses; Escape closes and gives the focus back to the chip. Models with a problem stay in
 * the list, disabled, with the reason, so the user sees why one cannot be chosen.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { FocusEvent, KeyboardEvent } from 'react';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import { modelFacts, modelTitle } from '../lib/models.ts';
import { useActions, useApp } from '../state/context.tsx';
import { effectiveModel } from '../state/slices/models.ts';

const ITEMS = '[role="menuitemradio"], [role="menuitem"]';

export function ModelPicker() {
  const models = useApp((s) => s.models);
  const model = useApp((s) => effectiveModel(s.models, s.settings?.activeModelId, s.current?.thread.modelId));
  const overridden = useApp((s) => Boolean(s.current?.thread.modelId));
  const { updateSettings, updateThread, replanAttachments, openDialog } = useActions();
  const [open, setOpen] = useState<'first' | 'last' | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const items = [...(root.current?.querySelectorAll<HTMLElement>(ITEMS) ?? [])];
    const checked = items.find((item) => item.getAttribute('aria-checked') === 'true');
    (open === 'last' ? items.at(-1) : (checked ?? items[0]))?.focus();
  }, [open]);

  if (!models?.length) return null;

  const close = () => {
    setOpen(null);
    root.current?.querySelector<HTMLElement>('[data-testid="model-chip"]')?.focus();
  };

  async function choose(id: string) {
    close();
    if (id === model?.id) return;
    // The chip shows the thread's own model when it has one, so a choice there changes that model.
    if (overridden) {
      await updateThread({ modelId: id });
      void replanAttachments();
    } else await updateSettings({ activeModelId: id });
  }

  function onChipKeyDown(event: KeyboardEvent) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(event.key === 'ArrowUp' ? 'last' : 'first');
    }
  }

  function onMenuKeyDown(event: KeyboardEvent) {
    const items = [...(root.current?.querySelectorAll<HTMLElement>(ITEMS) ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key];
    if (event.key === 'Escape') {
      // Not to the window: there Escape stops the answer being written.
      event.stopPropagation();
      close();
    } else if (event.key === 'Tab') {
      setOpen(null);
    } else if (move !== undefined) {
      event.preventDefault();
      items[(move + items.length) % items.length]?.focus();
    }
  }

  const title = model
    ? `${modelTitle(model)}${overridden ? ' — this thread’s model' : ''}`
    : 'Choose a model';
  return (
    <div
      className="menu-anchor"
      ref={root}
      onBlur={(e: FocusEvent) => {
        if (!root.current?.contains(e.relatedTarget as Node | null)) setOpen(null);
      }}
    >
      <button
        type="button"
        className="model-chip"
        data-testid="model-chip"
        title={title}
        aria-haspopup="menu"
        aria-expanded={open !== null}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((o) => (o ? null : 'first'))}
        onKeyDown={onChipKeyDown}
      >
        {/* Before the name, which the chip may cut short. */}
        {model?.remote && <span className="model-chip-note model-chip-remote">remote</span>}
        {model?.name ?? 'Choose a model'}
        {overridden && <span className="model-chip-note">thread</span>}
      </button>
      {open && (
        <div
          className="menu model-menu"
          role="menu"
          id={menuId}
          aria-label={overridden ? 'Model for this thread' : 'Model'}
          data-testid="model-picker"
          onKeyDown={onMenuKeyDown}
        >
          {models.map((entry) => (
            <ModelItem
              key={entry.id}
              model={entry}
              checked={entry.id === model?.id}
              onChoose={() => void choose(entry.id)}
            />
          ))}
          <div role="separator" className="menu-separator" />
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            className="menu-item"
            data-testid="model-picker-manage"
            onClick={() => {
              setOpen(null);
              openDialog({ kind: 'models' });
            }}
          >
            Manage models…
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * One model: its name, then family, size and variant, or why it cannot run. A remote model is marked so, with
 * its server's name; an unreachable server's models stay choosable, with the problem, since it may be back.
 */
function ModelItem({
  model,
  checked,
  onChoose,
}: {
  model: ModelEntry;
  checked: boolean;
  onChoose: () => void;
}) {
  const facts = modelFacts(model);
  const disabled = Boolean(model.problem) && !model.remote;
  return (
    <button
      type="button"
      role="menuitemradio"
      tabIndex={-1}
      aria-checked={checked}
      // aria-disabled, not disabled: the item stays focusable, so its reason can be read (APG).
      aria-disabled={disabled ? true : undefined}
      className="menu-item model-menu-item"
      data-testid="model-picker-item"
      data-model-id={model.id}
      onClick={() => !disabled && onChoose()}
    >
      <span className="model-menu-check" aria-hidden="true">
        {checked ? '✓' : ''}
      </span>
      <span className="model-menu-text">
        <strong>
          {model.name}
          {model.remote && (
            <span className="model-remote-mark" data-testid="model-remote-mark">
              remote
            </span>
          )}
        </strong>
        {model.remote && model.problem ? (
          <>
            <span className="muted">{facts.join(' · ')}</span>
            <span className="model-problem" data-testid="model-picker-problem">
              {model.problem}
            </span>
          </>
        ) : model.problem ? (
          <span className="model-problem" data-testid="model-picker-problem">
            Cannot run: {model.problem}
          </span>
        ) : (
          <span className="muted">{facts.join(' · ')}</span>
        )}
      </span>
    </button>
  );
}
