/**
 * Settings: the model (global and per thread), the thread's system prompt and temperature, the device and
 * what actually ran on it, default sampling, redaction before attaching, and the theme. Choices apply at
 * once; text fields on blur.
 */
import { useId, useState } from 'react';
import type { ReactNode } from 'react';
import { familyName } from '../../app/families.ts';
import type { ContextOverflow, DeviceSetting, Preset, Theme, Thread } from '../../app/ipc/contract.ts';
import { formatInt } from '../lib/format.ts';
import { useActions, useApp } from '../state/context.tsx';
import { effectiveModel } from '../state/slices/models.ts';
import { ApiServerSection } from './ApiServerSection.tsx';
import { Modal } from './Modal.tsx';
import { RemoteServersSection } from './RemoteServersSection.tsx';
import { providerName } from './StatsLine.tsx';

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Settings" onClose={onClose} wide testId="settings-dialog">
      <div className="settings">
        <ModelSection />
        <ThreadSection />
        <RemoteServersSection />
        <DeviceSection />
        <SamplingSection />
        <ApiServerSection />
        <PrivacySection />
        <ThemeSection />
      </div>
    </Modal>
  );
}

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="settings-section" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function ModelSection() {
  const models = useApp((s) => s.models);
  // With none chosen, the services run the default model (app/default-model.ts): show that one as active.
  const active = useApp((s) => effectiveModel(s.models, s.settings?.activeModelId, null)?.id ?? null);
  const { updateSettings, openDialog } = useActions();
  const name = useId();
  return (
    <Section title="Model" testId="settings-models">
      {models === null ? (
        <p className="muted">Loading…</p>
      ) : models.length === 0 ? (
        <p className="muted">
          No models yet. Download one on the Models page, or start Tessera with{' '}
          <code>tessera serve --model-dir DIR</code>.
        </p>
      ) : (
        <div className="choice-list" role="radiogroup" aria-label="Active model">
          {models.map((model) => (
            <label key={model.id} className="choice" data-testid="model-option">
              <input
                type="radio"
                name={name}
                checked={model.id === active}
                aria-describedby={model.problem ? `${name}-${model.id}-problem` : undefined}
                onChange={() => void updateSettings({ activeModelId: model.id })}
              />
              <span className="choice-text">
                <strong>{model.name}</strong>
                {model.problem ? (
                  <span
                    className="model-problem"
                    id={`${name}-${model.id}-problem`}
                    data-testid="model-option-problem"
                  >
                    Cannot run: {model.problem}
                  </span>
                ) : (
                  <span className="muted">
                    {familyName(model.family)} · {formatInt(model.contextLength)} tokens of context
                  </span>
                )}
                {model.remote ? (
                  <span className="muted" data-testid="model-option-remote">
                    remote · {model.remote.serverName} · {model.remote.baseUrl}
                  </span>
                ) : (
                  <span className="muted mono">{model.dir}</span>
                )}
              </span>
            </label>
          ))}
        </div>
      )}
      <button
        type="button"
        className="button settings-models-link"
        data-testid="settings-manage-models"
        onClick={() => openDialog({ kind: 'models' })}
      >
        Download and manage models…
      </button>
    </Section>
  );
}

function ThreadSection() {
  const thread = useApp((s) => s.current?.thread ?? null);
  const models = useApp((s) => s.models);
  const defaults = useApp((s) => s.settings);
  const { updateThread } = useActions();
  if (!thread) return null;
  return (
    <Section title={`This thread — “${thread.title}”`} testId="settings-thread">
      <PresetRow thread={thread} />
      <label className="field">
        <span>Model</span>
        <select
          data-testid="thread-model"
          value={thread.modelId ?? ''}
          onChange={(e) => void updateThread({ modelId: e.target.value || null })}
        >
          <option value="">
            Default ({effectiveModel(models, defaults?.activeModelId, null)?.name ?? 'none'})
          </option>
          {models?.map((model) => (
            <option key={model.id} value={model.id}>
              {model.name}
            </option>
          ))}
        </select>
      </label>
      <CommitTextArea
        key={`${thread.id}-prompt`}
        label="System prompt"
        testId="thread-system-prompt"
        value={thread.systemPrompt ?? ''}
        placeholder={defaults?.systemPrompt ? `Default: ${defaults.systemPrompt}` : 'Default (none)'}
        onCommit={(text) => void updateThread({ systemPrompt: text.trim() ? text : null })}
      />
      <OptionalSlider
        key={`${thread.id}-temperature`}
        label="Temperature"
        testId="thread-temperature"
        value={thread.temperature}
        fallback={defaults?.sampling.temperature ?? 0}
        min={0}
        max={2}
        step={0.05}
        onCommit={(value) => void updateThread({ temperature: value })}
      />
      <OptionalSlider
        key={`${thread.id}-top-p`}
        label="Top-p"
        testId="thread-top-p"
        value={thread.topP}
        fallback={defaults?.sampling.topP ?? 1}
        min={0.05}
        max={1}
        step={0.05}
        onCommit={(value) => void updateThread({ topP: value })}
      />
      <label className="field">
        <span>Maximum answer length (tokens)</span>
        <input
          type="number"
          data-testid="thread-max-tokens"
          min={1}
          max={1_000_000}
          step={1}
          placeholder={`Default: ${defaults?.sampling.maxTokens ?? 512}`}
          defaultValue={thread.maxTokens ?? ''}
          key={`${thread.id}-${thread.maxTokens}`}
          onBlur={(e) => {
            const text = e.target.value.trim();
            const maxTokens = text === '' ? null : Math.min(1_000_000, Math.round(Number(text)));
            if (maxTokens !== null && !(Number.isFinite(maxTokens) && maxTokens >= 1)) return;
            if (maxTokens !== thread.maxTokens) void updateThread({ maxTokens });
          }}
        />
      </label>
      <label className="field">
        <span>When this conversation no longer fits</span>
        <select
          data-testid="thread-context-overflow"
          value={thread.contextOverflow ?? ''}
          onChange={(e) =>
            void updateThread({
              contextOverflow: e.target.value === '' ? null : (e.target.value as ContextOverflow),
            })
          }
        >
          <option value="">
            Default ({OVERFLOW_CHOICES.find((c) => c.value === defaults?.contextOverflow)?.label ?? 'Stop'})
          </option>
          {OVERFLOW_CHOICES.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
      <label className="choice">
        <input
          type="checkbox"
          data-testid="thread-earlier-images-low"
          checked={thread.earlierImagesLow}
          onChange={(e) => void updateThread({ earlierImagesLow: e.target.checked })}
        />
        Send images of earlier questions at Low detail (the history keeps each image&apos;s own detail)
      </label>
    </Section>
  );
}

const DEVICES: Array<{ value: DeviceSetting; label: string; hint: string }> = [
  { value: 'auto', label: 'Automatic', hint: 'The best GPU provider present, else the CPU' },
  { value: 'gpu', label: 'GPU', hint: 'CUDA, DirectML, CoreML or WebGPU' },
  { value: 'cpu', label: 'CPU', hint: 'Slower, always available' },
];

function DeviceSection() {
  const device = useApp((s) => s.settings?.device ?? 'auto');
  const engine = useApp((s) => s.engine);
  const { updateSettings } = useActions();
  const name = useId();
  const providers = engine?.providers;
  const onCpu = providers
    ? (
        [
          ['vision encoder', providers.vision],
          ['embeddings', providers.embed],
          ['decoder', providers.decoder],
        ] as const
      )
        .filter(([, placement]) => placement.provider === 'cpu')
        .map(([module]) => module)
    : [];
  return (
    <Section title="Device" testId="settings-device">
      <div className="segmented-wide" role="radiogroup" aria-label="Device">
        {DEVICES.map((option) => (
          <label key={option.value} className="choice" data-testid="device-option" title={option.hint}>
            <input
              type="radio"
              name={name}
              checked={device === option.value}
              onChange={() => void updateSettings({ device: option.value })}
            />
            {option.label}
          </label>
        ))}
      </div>
      <div className="engine-facts" data-testid="engine-facts">
        <p>
          Engine: <strong>{engine?.state ?? 'unknown'}</strong>
          {engine && engine.restarts > 0 && ` · restarted ${engine.restarts}×`}
        </p>
        {engine?.error && (
          <p className="message-error" role="alert">
            {engine.error.message}
          </p>
        )}
        {device === 'gpu' && onCpu.length > 0 && (
          <p className="settings-warning" role="status" data-testid="device-fallback">
            The GPU was requested, but the {onCpu.join(' and ')} ran on the CPU.
          </p>
        )}
        {engine?.providers ? (
          <dl className="stats-grid">
            <dt>Vision encoder</dt>
            <dd>{providerName(engine.providers.vision)}</dd>
            <dt>Embeddings</dt>
            <dd>{providerName(engine.providers.embed)}</dd>
            <dt>Decoder</dt>
            <dd>{providerName(engine.providers.decoder)}</dd>
          </dl>
        ) : (
          <p className="muted">What ran where shows here once a model is loaded.</p>
        )}
      </div>
    </Section>
  );
}

function SamplingSection() {
  const settings = useApp((s) => s.settings);
  const { updateSettings } = useActions();
  if (!settings) return null;
  const { sampling } = settings;
  return (
    <Section title="Defaults for new answers" testId="settings-sampling">
      <Slider
        label="Temperature"
        testId="default-temperature"
        value={sampling.temperature}
        min={0}
        max={2}
        step={0.05}
        onCommit={(temperature) => void updateSettings({ sampling: { temperature } })}
      />
      <Slider
        label="Top-p"
        testId="default-top-p"
        value={sampling.topP}
        min={0.05}
        max={1}
        step={0.05}
        onCommit={(topP) => void updateSettings({ sampling: { topP } })}
      />
      <label className="field">
        <span>Maximum answer length (tokens)</span>
        <input
          type="number"
          data-testid="default-max-tokens"
          min={1}
          max={1_000_000}
          step={1}
          defaultValue={sampling.maxTokens}
          key={sampling.maxTokens}
          onBlur={(e) => {
            const maxTokens = Math.round(Number(e.target.value));
            if (Number.isFinite(maxTokens) && maxTokens >= 1 && maxTokens !== sampling.maxTokens)
              void updateSettings({ sampling: { maxTokens: Math.min(1_000_000, maxTokens) } });
          }}
        />
      </label>
      <CommitTextArea
        label="Default system prompt"
        testId="default-system-prompt"
        value={settings.systemPrompt}
        placeholder="None"
        onCommit={(systemPrompt) => void updateSettings({ systemPrompt })}
      />
      <label className="field">
        <span>When a conversation no longer fits the model’s context</span>
        <select
          data-testid="context-overflow"
          value={settings.contextOverflow}
          onChange={(e) => void updateSettings({ contextOverflow: e.target.value as ContextOverflow })}
        >
          {OVERFLOW_CHOICES.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
    </Section>
  );
}

/**
 * Named presets of the thread's settings: pick one to apply it to this thread, save the thread's settings
 * under a name (an existing name is replaced: that is how a preset is edited), or delete one.
 */
function PresetRow({ thread }: { thread: Thread }) {
  const presets = useApp((s) => s.settings?.presets ?? []);
  const { updateThread, updateSettings } = useActions();
  const [chosen, setChosen] = useState('');
  const [name, setName] = useState('');
  const apply = (preset: Preset) =>
    void updateThread({
      systemPrompt: preset.systemPrompt,
      temperature: preset.temperature,
      topP: preset.topP,
      maxTokens: preset.maxTokens,
      contextOverflow: preset.contextOverflow,
    });
  const save = () => {
    const trimmed = name.trim();
    if (!trimmed) return;
    const preset: Preset = {
      name: trimmed,
      systemPrompt: thread.systemPrompt,
      temperature: thread.temperature,
      topP: thread.topP,
      maxTokens: thread.maxTokens,
      contextOverflow: thread.contextOverflow,
    };
    void updateSettings({ presets: [...presets.filter((p) => p.name !== trimmed), preset] });
    setChosen(trimmed);
    setName('');
  };
  return (
    <div className="field preset-row" data-testid="presets">
      <label>
        <span>Preset</span>
        <select
          data-testid="preset-select"
          value={chosen}
          onChange={(e) => {
            setChosen(e.target.value);
            const preset = presets.find((p) => p.name === e.target.value);
            if (preset) apply(preset);
          }}
        >
          <option value="">{presets.length > 0 ? 'Apply a preset…' : 'No presets yet'}</option>
          {presets.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {chosen && (
        <button
          type="button"
          className="button"
          data-testid="preset-delete"
          onClick={() => {
            void updateSettings({ presets: presets.filter((p) => p.name !== chosen) });
            setChosen('');
          }}
        >
          Delete “{chosen}”
        </button>
      )}
      <form
        className="input-row"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <input
          className="text-input"
          data-testid="preset-name"
          aria-label="Save this thread's settings as a preset named"
          placeholder="Save these settings as…"
          maxLength={80}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="button" data-testid="preset-save" disabled={!name.trim()}>
          Save preset
        </button>
      </form>
    </div>
  );
}

const OVERFLOW_CHOICES: Array<{ value: ContextOverflow; label: string }> = [
  { value: 'stop', label: 'Stop and say so' },
  { value: 'drop-oldest', label: 'Leave out the oldest turns' },
  { value: 'drop-middle', label: 'Keep the first turn, leave out the middle' },
];

/** Redaction before attaching: with it on, a new image's original is never stored unless asked for. */
function PrivacySection() {
  const on = useApp((s) => s.settings?.redactBeforeAttach ?? false);
  const { updateSettings } = useActions();
  const hint = useId();
  return (
    <Section title="Privacy" testId="settings-privacy">
      <label className="choice">
        <input
          type="checkbox"
          data-testid="redact-before-attach"
          checked={on}
          aria-describedby={hint}
          onChange={(e) => void updateSettings({ redactBeforeAttach: e.target.checked })}
        />
        Redact new images before attaching them
      </label>
      <p className="muted" id={hint}>
        A pasted, dropped, picked or captured image opens in the Redact dialog first, from memory: only the
        image you attach (the redacted one, or the original as is) is ever stored or sent.
      </p>
    </Section>
  );
}

const THEMES: Array<{ value: Theme; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

function ThemeSection() {
  const theme = useApp((s) => s.settings?.theme ?? 'system');
  const { updateSettings } = useActions();
  const name = useId();
  return (
    <Section title="Appearance" testId="settings-theme">
      <div className="segmented-wide" role="radiogroup" aria-label="Theme">
        {THEMES.map((option) => (
          <label key={option.value} className="choice" data-testid="theme-option">
            <input
              type="radio"
              name={name}
              checked={theme === option.value}
              onChange={() => void updateSettings({ theme: option.value })}
            />
            {option.label}
          </label>
        ))}
      </div>
    </Section>
  );
}

/** Edits locally; saves when focus leaves, so every keystroke is not a request. */
function CommitTextArea({
  label,
  value,
  placeholder,
  onCommit,
  testId,
}: {
  label: string;
  value: string;
  placeholder: string;
  onCommit: (text: string) => void;
  testId: string;
}) {
  const [text, setText] = useState(value);
  return (
    <label className="field">
      <span>{label}</span>
      <textarea
        data-testid={testId}
        rows={3}
        value={text}
        placeholder={placeholder}
        maxLength={20_000}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== value && onCommit(text)}
      />
    </label>
  );
}

function Slider({
  label,
  value,
  min,
  max,
  step,
  onCommit,
  testId,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onCommit: (value: number) => void;
  testId: string;
}) {
  const [current, setCurrent] = useState(value);
  const commit = () => current !== value && onCommit(current);
  return (
    <label className="field field-slider">
      <span>
        {label} <output>{current.toFixed(2)}</output>
      </span>
      <input
        type="range"
        data-testid={testId}
        min={min}
        max={max}
        step={step}
        value={current}
        onChange={(e) => setCurrent(Number(e.target.value))}
        onPointerUp={commit}
        onKeyUp={commit}
        onBlur={commit}
      />
    </label>
  );
}

/** A slider with "use the default" (null). */
function OptionalSlider({
  label,
  value,
  fallback,
  onCommit,
  testId,
  ...range
}: {
  label: string;
  value: number | null;
  fallback: number;
  min: number;
  max: number;
  step: number;
  onCommit: (value: number | null) => void;
  testId: string;
}) {
  const inherited = value === null;
  return (
    <div className="field-optional">
      <label className="choice-inline">
        <input
          type="checkbox"
          data-testid={`${testId}-default`}
          checked={inherited}
          onChange={(e) => onCommit(e.target.checked ? null : fallback)}
        />
        {label}: use the default ({fallback.toFixed(2)})
      </label>
      {!inherited && <Slider label={label} testId={testId} value={value} onCommit={onCommit} {...range} />}
    </div>
  );
}
