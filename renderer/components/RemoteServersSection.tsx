/**
 * Settings → Remote servers: OpenAI-compatible servers (vLLM, Ollama, llama.cpp, LM Studio, another Tessera)
 * whose models join the model picker. Adding one lists its models first, so a wrong address or key is said
 * at once; the key goes to the main process and never comes back (only whether there is one).
 */
import { useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import { familyName } from '../../app/families.ts';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import type { RemoteServerView } from '../../app/remote.ts';
import { describeWithAdvice } from '../lib/errors.ts';
import { useApp, useServices } from '../state/context.tsx';

export function RemoteServersSection() {
  const { api } = useServices();
  const models = useApp((s) => s.models);
  const [servers, setServers] = useState<RemoteServerView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [baseUrl, setBaseUrl] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [name, setName] = useState('');
  const ids = useId();

  useEffect(() => {
    let live = true;
    void api['remote.list']({}).then((result) => {
      if (!live) return;
      if (result.ok) setServers(result.value);
      else setError(describeWithAdvice(result.error));
    });
    return () => {
      live = false;
    };
  }, [api]);

  async function add(event: FormEvent) {
    event.preventDefault();
    if (!baseUrl.trim()) return;
    setBusy('add');
    setError(null);
    const result = await api['remote.add']({
      baseUrl: baseUrl.trim(),
      apiKey: apiKey.trim() || null,
      name: name.trim() || null,
    });
    setBusy(null);
    if (!result.ok) return setError(describeWithAdvice(result.error));
    setServers((list) => [...(list ?? []), result.value]);
    setBaseUrl('');
    setApiKey('');
    setName('');
  }

  async function refresh(id: string) {
    setBusy(id);
    const result = await api['remote.refresh']({ id });
    setBusy(null);
    if (result.ok) setServers(result.value);
    else setError(describeWithAdvice(result.error));
  }

  async function remove(id: string) {
    setBusy(id);
    const result = await api['remote.remove']({ id });
    setBusy(null);
    if (result.ok) setServers((list) => (list ?? []).filter((s) => s.id !== id));
    else setError(describeWithAdvice(result.error));
  }

  return (
    <section className="settings-section" data-testid="settings-remote">
      <h3>Remote servers</h3>
      <p className="muted">
        Models on an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio, another Tessera) appear in
        the model picker, marked remote. Questions and their images go to that server only.
      </p>
      {servers === null ? (
        <p className="muted">Loading…</p>
      ) : servers.length === 0 ? (
        <p className="muted" data-testid="remote-empty">
          No remote servers.
        </p>
      ) : (
        <ul className="remote-list">
          {servers.map((server) => (
            <li key={server.id} className="remote-server" data-testid="remote-server">
              <div className="remote-server-text">
                <strong>{server.name}</strong>
                <span className="muted mono">{server.baseUrl}</span>
                <span className="muted">
                  {server.models.length === 1 ? '1 model' : `${server.models.length} models`}
                  {server.models.length > 0 && `: ${server.models.join(', ')}`}
                  {server.hasKey ? ' · API key set' : ' · no API key'}
                </span>
                {server.problem && (
                  <span className="model-problem" role="status" data-testid="remote-problem">
                    {server.problem}
                  </span>
                )}
                {models
                  ?.filter((m) => m.remote?.serverId === server.id)
                  .map((model) => (
                    <RemoteModelFamily key={model.id} model={model} />
                  ))}
              </div>
              <div className="remote-server-actions">
                <button
                  type="button"
                  className="button"
                  disabled={busy !== null}
                  data-testid="remote-refresh"
                  onClick={() => void refresh(server.id)}
                >
                  {busy === server.id ? 'Checking…' : 'Refresh'}
                </button>
                <button
                  type="button"
                  className="button"
                  disabled={busy !== null}
                  data-testid="remote-remove"
                  aria-label={`Remove ${server.name}`}
                  onClick={() => void remove(server.id)}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form className="remote-add" onSubmit={(e) => void add(e)} data-testid="remote-add">
        <label className="field">
          <span>Base URL</span>
          <input
            type="url"
            required
            data-testid="remote-url"
            placeholder="http://gpu-box:8000/v1"
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
          />
        </label>
        <label className="field">
          <span>API key (optional)</span>
          <input
            type="password"
            autoComplete="off"
            data-testid="remote-key"
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Name (optional)</span>
          <input
            type="text"
            data-testid="remote-name"
            placeholder="Default: the host"
            value={name}
            aria-describedby={`${ids}-hint`}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <span className="muted" id={`${ids}-hint`}>
          Shown beside its models in the picker.
        </span>
        <button type="submit" className="button primary" disabled={busy !== null} data-testid="remote-submit">
          {busy === 'add' ? 'Checking the server…' : 'Add server'}
        </button>
      </form>
      {error && (
        <p className="field-error" role="alert" data-testid="remote-error">
          {error}
        </p>
      )}
    </section>
  );
}

/**
 * A remote model's family: known from the server (another Tessera) or an installed twin, or from a Hub repo
 * the user names here (its configs are fetched from the Hub), so its tile plan and token cost can be drawn.
 */
function RemoteModelFamily({ model }: { model: ModelEntry }) {
  const { api } = useServices();
  const [repo, setRepo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remote = model.remote;
  if (!remote) return null;

  async function setSource(source: string | null) {
    setBusy(true);
    setError(null);
    // The new entry arrives with models.changed; the picker and this row follow.
    const result = await api['remote.setFamilySource']({ modelId: model.id, repo: source });
    setBusy(false);
    if (result.ok) setRepo('');
    else setError(describeWithAdvice(result.error));
  }

  return (
    <div className="remote-model" data-testid="remote-model">
      <span>
        <span className="mono">{remote.model}</span>
        {' · '}
        {remote.planKnown
          ? `${familyName(model.family)}${remote.familyRepo ? ` (from ${remote.familyRepo})` : ''}`
          : 'the tile plan is unknown for this server'}
      </span>
      {remote.familyRepo ? (
        <button
          type="button"
          className="button"
          disabled={busy}
          data-testid="remote-family-forget"
          onClick={() => void setSource(null)}
        >
          Forget the repo
        </button>
      ) : (
        !remote.planKnown && (
          <form
            className="remote-family"
            onSubmit={(e) => {
              e.preventDefault();
              if (repo.trim()) void setSource(repo.trim());
            }}
          >
            <input
              type="text"
              data-testid="remote-family-repo"
              aria-label={`Hub repo with the configs of ${remote.model}`}
              placeholder="Its Hub repo, e.g. Qwen/Qwen2-VL-7B-Instruct"
              value={repo}
              onChange={(e) => setRepo(e.target.value)}
            />
            <button type="submit" className="button" disabled={busy} data-testid="remote-family-set">
              {busy ? 'Reading…' : 'Use its tile plan'}
            </button>
          </form>
        )
      )}
      {error && (
        <span className="field-error" role="alert" data-testid="remote-family-error">
          {error}
        </span>
      )}
    </div>
  );
}
