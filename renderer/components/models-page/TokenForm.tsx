/** The Hub access token form: save, replace or clear a token that is stored encrypted and never shown. */
import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { HubSettings } from '../../../app/ipc/contract.ts';
import { useActions } from '../../state/context.tsx';

export function TokenForm({ hub }: { hub: HubSettings }) {
  const { configureHub } = useActions();
  const [token, setToken] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const hintId = useId();

  async function save(event: FormEvent) {
    event.preventDefault();
    const text = token.trim();
    if (!text) return;
    if (await configureHub({ token: text })) setToken('');
  }

  return (
    <form className="hub-form" onSubmit={(e) => void save(e)}>
      <label htmlFor={inputId} className="field-label">
        Access token
      </label>
      <div className="input-row">
        <input
          ref={input}
          id={inputId}
          type="password"
          className="text-input"
          data-testid="hub-token"
          aria-describedby={hintId}
          autoComplete="off"
          spellCheck={false}
          placeholder={hub.hasToken ? 'Paste a new token to replace the stored one' : 'hf_…'}
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <button type="submit" className="button" data-testid="hub-token-save" disabled={!token.trim()}>
          {hub.hasToken ? 'Replace' : 'Save'}
        </button>
      </div>
      <p id={hintId} className="muted field-hint">
        {hub.hasToken ? (
          <>
            <span className="badge badge-ok" data-testid="hub-token-stored">
              Token stored
            </span>{' '}
            Kept encrypted by the system keychain; it is never shown.{' '}
            <button
              type="button"
              className="link-button"
              data-testid="hub-token-clear"
              onClick={() =>
                void configureHub({ token: null }).then((ok) => {
                  if (ok) input.current?.focus();
                })
              }
            >
              Clear
            </button>
          </>
        ) : (
          'Needed only for gated or private repos. Stored encrypted by the system keychain.'
        )}
      </p>
    </form>
  );
}
