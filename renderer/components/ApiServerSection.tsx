/**
 * Settings → Local API server: Tessera's models for other tools through the OpenAI Chat Completions API
 * (main/api/). On/off, the port, the address and the key to copy (and a new key), and the choices that
 * widen who can use it: other devices on the network, one web origin (CORS), fetching image URLs. A port in
 * use is said here, with the server off, rather than failing anything else.
 */
import { useEffect, useId, useState } from 'react';
import type { ApiServerSettings, ApiServerStatus } from '../../app/ipc/contract.ts';
import { describeWithAdvice } from '../lib/errors.ts';
import { useServices } from '../state/context.tsx';
import { CopyButton } from './CopyButton.tsx';

/** The API server's status, loaded once and kept current by `api.status` events. */
export function useApiServerStatus(): ApiServerStatus | null {
  return useApiServerState()[0];
}

function useApiServerState() {
  const { api } = useServices();
  const [status, setStatus] = useState<ApiServerStatus | null>(null);
  useEffect(() => {
    let live = true;
    const off = api.on('api.status', (next) => live && setStatus(next));
    void api['api.status']({}).then((result) => {
      if (live && result.ok) setStatus((now) => now ?? result.value);
    });
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return [status, setStatus] as const;
}

export function ApiServerSection() {
  const { api } = useServices();
  const [status, setStatus] = useApiServerState();
  const [error, setError] = useState<string | null>(null);
  const ids = useId();
  if (!status) return null;
  const { settings } = status;

  async function configure(changes: Partial<ApiServerSettings>) {
    setError(null);
    // Shown at once (a checkbox follows the click); the answer, or the event before it, then says what is.
    setStatus((now) => now && { ...now, settings: { ...now.settings, ...changes } });
    const result = await api['api.configure'](changes);
    if (result.ok) setStatus(result.value);
    else setError(describeWithAdvice(result.error));
  }

  async function regenerate() {
    setError(null);
    const result = await api['api.regenerateKey']({});
    if (result.ok) setStatus(result.value);
    else setError(describeWithAdvice(result.error));
  }

  return (
    <section className="settings-section" data-testid="settings-api">
      <h3>Local API server</h3>
      <p className="muted">
        Other programs (scripts, editors, the <code>openai</code> SDK) can use this computer&apos;s models
        through an OpenAI-compatible API. Their requests wait behind your own questions.
      </p>
      <label className="choice">
        <input
          type="checkbox"
          data-testid="api-enabled"
          checked={settings.enabled}
          onChange={(event) => void configure({ enabled: event.target.checked })}
        />
        Run the API server
      </label>
      <label className="field" htmlFor={`${ids}-port`}>
        <span>Port</span>
        <PortField id={`${ids}-port`} port={settings.port} onCommit={(port) => void configure({ port })} />
      </label>
      {status.state === 'failed' && status.error && (
        <p className="message-error" role="alert" data-testid="api-error">
          {status.error}
        </p>
      )}
      {status.state === 'listening' && status.url && (
        <div className="input-row" data-testid="api-address">
          Address: <code>{status.url}</code>
          <CopyButton getText={() => status.url ?? ''} label="Copy the address" testId="api-copy-address" />
        </div>
      )}
      {status.networkUrls.map((url) => (
        <div className="input-row" key={url} data-testid="api-network-address">
          From other devices: <code>{url}</code>
          <CopyButton getText={() => url} label={`Copy ${url}`} />
        </div>
      ))}
      <div className="input-row">
        Key: <code data-testid="api-key">{status.key}</code>
        <CopyButton getText={() => status.key} label="Copy the key" testId="api-copy-key" />
        {status.keySource === 'env' ? (
          <span className="muted"> (from TESSERA_API_KEY)</span>
        ) : (
          <button
            type="button"
            className="button"
            data-testid="api-regenerate"
            onClick={() => void regenerate()}
          >
            New key
          </button>
        )}
      </div>
      {status.state === 'listening' && (
        <p className="muted" data-testid="api-queue">
          {queueText(status)}
        </p>
      )}
      <label className="choice">
        <input
          type="checkbox"
          data-testid="api-network"
          checked={settings.allowNetwork}
          onChange={(event) => void configure({ allowNetwork: event.target.checked })}
        />
        Allow other devices on the network (plain HTTP; the key is still required)
      </label>
      <label className="field" htmlFor={`${ids}-cors`}>
        <span>Allowed web origin (CORS); empty: none</span>
        <TextField
          id={`${ids}-cors`}
          value={settings.corsOrigin}
          placeholder="https://example.com"
          testId="api-cors"
          onCommit={(corsOrigin) => void configure({ corsOrigin })}
        />
      </label>
      <label className="choice">
        <input
          type="checkbox"
          data-testid="api-fetch-images"
          checked={settings.fetchImageUrls}
          onChange={(event) => void configure({ fetchImageUrls: event.target.checked })}
        />
        Fetch http(s) image URLs in requests (off: images must be sent as data: URLs)
      </label>
      {error && (
        <p className="message-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** "Idle", or what the API has running and waiting. */
export function queueText(status: Pick<ApiServerStatus, 'running' | 'waiting'>): string {
  if (status.running === 0 && status.waiting === 0) return 'No API requests now.';
  const parts = [];
  if (status.running > 0) parts.push(`${status.running} generating`);
  if (status.waiting > 0) parts.push(`${status.waiting} waiting`);
  return `API requests: ${parts.join(', ')}.`;
}

function PortField({ id, port, onCommit }: { id: string; port: number; onCommit: (port: number) => void }) {
  const [text, setText] = useState(String(port));
  useEffect(() => setText(String(port)), [port]);
  const value = Number(text);
  const valid = Number.isInteger(value) && value >= 1 && value <= 65_535;
  return (
    <input
      id={id}
      className="text-input"
      type="number"
      min={1}
      max={65_535}
      data-testid="api-port"
      value={text}
      aria-invalid={!valid}
      onChange={(event) => setText(event.target.value)}
      onBlur={() => (valid && value !== port ? onCommit(value) : setText(String(port)))}
    />
  );
}

function TextField(props: {
  id: string;
  value: string;
  placeholder: string;
  testId: string;
  onCommit: (value: string) => void;
}) {
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  return (
    <input
      id={props.id}
      className="text-input"
      type="text"
      data-testid={props.testId}
      placeholder={props.placeholder}
      value={text}
      onChange={(event) => setText(event.target.value)}
      onBlur={() => text.trim() !== props.value && props.onCommit(text.trim())}
    />
  );
}
