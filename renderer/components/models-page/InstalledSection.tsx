/** The models on this computer, each with Use and (if Tessera downloaded it) a confirmed Delete. */
import { useId, useRef, useState } from 'react';
import { familyName } from '../../../app/families.ts';
import type { ModelEntry } from '../../../app/ipc/contract.ts';
import { formatBytes, formatInt } from '../../lib/format.ts';
import { useActions, useApp } from '../../state/context.tsx';
import { effectiveModel } from '../../state/slices/models.ts';
import { TrashIcon } from '../Icons.tsx';
import { Section } from './Section.tsx';

export function InstalledSection() {
  const listed = useApp((s) => s.models);
  // Remote servers' models run elsewhere: Settings → Remote servers lists them.
  const models = listed?.filter((m) => !m.remote) ?? null;
  const activeId = useApp((s) => effectiveModel(s.models, s.settings?.activeModelId, null)?.id ?? null);
  return (
    <Section title="On this computer" testId="installed-models">
      {models === null ? (
        <p className="muted">Loading…</p>
      ) : models.length === 0 ? (
        <p className="muted" data-testid="installed-empty">
          No models yet. Download one below, or add a folder you already have.
        </p>
      ) : (
        <ul className="installed-list">
          {models.map((model) => (
            <InstalledModel key={model.id} model={model} active={model.id === activeId} />
          ))}
        </ul>
      )}
    </Section>
  );
}

function InstalledModel({ model, active }: { model: ModelEntry; active: boolean }) {
  const { updateSettings, deleteModel } = useActions();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const item = useRef<HTMLLIElement>(null);
  const questionId = useId();
  const problemId = useId();

  async function remove() {
    setBusy(true);
    const dialog = item.current?.closest<HTMLElement>('[role="dialog"]') ?? null;
    const deleted = await deleteModel(model.id);
    setBusy(false);
    if (deleted) dialog?.focus();
    else setConfirming(false);
  }

  return (
    <li
      ref={item}
      className={`installed${active ? ' installed-active' : ''}`}
      data-testid="installed-model"
      data-model-id={model.id}
    >
      <div className="installed-text">
        <strong>{model.name}</strong>
        <span className="muted">
          {model.problem
            ? familyName(model.family)
            : `${familyName(model.family)} · ${formatInt(model.contextLength)} tokens of context`}{' '}
          · <span data-testid="model-size">{formatBytes(model.bytes)}</span> on disk
        </span>
        {model.problem && (
          <span className="model-problem" id={problemId} data-testid="model-problem">
            Cannot run: {model.problem}
          </span>
        )}
        {model.source ? (
          <span
            className="mono muted"
            data-testid="model-source"
            title={`${model.source.repo}@${model.source.commit}`}
          >
            {model.source.repo}@{model.source.commit.slice(0, 12)}
            {model.source.variant && ` · ${model.source.variant}`}
          </span>
        ) : (
          <span className="mono muted" data-testid="model-source" title={model.dir}>
            Folder: {model.dir}
          </span>
        )}
      </div>
      {confirming ? (
        <div className="confirm" role="group" aria-labelledby={questionId} data-testid="delete-confirmation">
          <span id={questionId}>
            Delete {model.name} ({formatBytes(model.bytes)}) from disk?
          </span>
          <button
            type="button"
            className="button danger"
            data-testid="confirm-delete"
            disabled={busy}
            onClick={() => void remove()}
          >
            Delete
          </button>
          <button
            type="button"
            className="button"
            data-testid="cancel-delete"
            // The safe answer takes the focus.
            autoFocus
            disabled={busy}
            onClick={() => {
              setConfirming(false);
              setTimeout(() => deleteButton.current?.focus(), 0);
            }}
          >
            Keep
          </button>
        </div>
      ) : (
        <div className="installed-actions">
          <button
            type="button"
            className={`button${active ? '' : ' primary'}`}
            data-testid="model-use"
            // Not `disabled`: a focused button must keep the focus when it becomes the active one.
            aria-disabled={active}
            aria-label={active ? `${model.name} is in use` : `Use ${model.name}`}
            aria-describedby={model.problem ? problemId : undefined}
            onClick={() => {
              if (!active) void updateSettings({ activeModelId: model.id });
            }}
          >
            {active ? 'In use' : 'Use'}
          </button>
          {model.removable ? (
            <button
              ref={deleteButton}
              type="button"
              className="button"
              data-testid="model-delete"
              aria-label={`Delete ${model.name}`}
              onClick={() => setConfirming(true)}
            >
              <TrashIcon size={16} />
              Delete
            </button>
          ) : (
            <span className="muted installed-note" title="Tessera did not download it, so it leaves it alone">
              Your folder
            </span>
          )}
        </div>
      )}
    </li>
  );
}
