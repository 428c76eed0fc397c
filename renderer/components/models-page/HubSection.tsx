/** Hub access: the endpoint in use (with where it comes from) and the access token forms. */
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { HubSettings } from '../../../app/ipc/contract.ts';
import { isHubEndpoint } from '../../lib/models.ts';
import { useActions, useApp } from '../../state/context.tsx';
import { Section } from './Section.tsx';
import { TokenForm } from './TokenForm.tsx';

const ENDPOINT_SOURCES: Record<HubSettings['endpointSource'], string> = {
  setting: 'set here',
  env: 'from the HF_ENDPOINT environment variable',
  flag: 'from the --hub-endpoint command-line flag, which overrides this setting while Tessera runs',
  default: 'the default',
};

export function HubSection() {
  const hub = useApp((s) => s.hub);
  return (
    <Section title="Hub access" testId="hub-settings">
      {hub ? (
        <div className="hub-grid">
          <EndpointForm key={`${hub.endpoint}-${hub.endpointSource}`} hub={hub} />
          <TokenForm hub={hub} />
        </div>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </Section>
  );
}

function EndpointForm({ hub }: { hub: HubSettings }) {
  const { configureHub } = useActions();
  const [endpoint, setEndpoint] = useState(hub.endpoint);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const sourceId = useId();
  const errorId = useId();
  // A command-line flag wins over the setting: saving here would change nothing until a start without it.
  const overridden = hub.endpointSource === 'flag';

  async function save(event: FormEvent) {
    event.preventDefault();
    const text = endpoint.trim();
    if (!isHubEndpoint(text)) {
      setError('Enter an http:// or https:// address, for example https://huggingface.co.');
      return;
    }
    setError(null);
    if (text !== hub.endpoint || hub.endpointSource !== 'setting') await configureHub({ endpoint: text });
  }

  return (
    <form className="hub-form" onSubmit={(e) => void save(e)} noValidate>
      <label htmlFor={inputId} className="field-label">
        Endpoint
      </label>
      <div className="input-row">
        <input
          id={inputId}
          type="url"
          className="text-input"
          data-testid="hub-endpoint"
          aria-describedby={`${sourceId}${error ? ` ${errorId}` : ''}`}
          aria-invalid={error ? true : undefined}
          spellCheck={false}
          disabled={overridden}
          value={endpoint}
          onChange={(e) => setEndpoint(e.target.value)}
        />
        <button type="submit" className="button" data-testid="hub-endpoint-save" disabled={overridden}>
          Save
        </button>
        {hub.endpointSource === 'setting' && (
          <button
            type="button"
            className="button"
            data-testid="hub-endpoint-reset"
            title="Use HF_ENDPOINT or the default again"
            onClick={() => void configureHub({ endpoint: null })}
          >
            Reset
          </button>
        )}
      </div>
      <p
        id={sourceId}
        className="muted field-hint"
        data-testid="hub-endpoint-source"
        data-source={hub.endpointSource}
      >
        In use: <span className="mono">{hub.endpoint}</span>, {ENDPOINT_SOURCES[hub.endpointSource]}.
      </p>
      {error && (
        <p id={errorId} className="field-error" role="alert" data-testid="hub-endpoint-error">
          {error}
        </p>
      )}
    </form>
  );
}
