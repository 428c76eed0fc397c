import { useEffect } from 'react';
import type { TokenEstimate } from '../../app/ipc/contract.ts';
import { formatInt } from '../lib/format.ts';
import { buildContent } from '../state/slices/composer.ts';
import { useActions, useApp } from '../state/context.tsx';
import type { AppState } from '../state/store.ts';
import { EarlierImagesNote, LowerEarlierImagesButton } from './EarlierImages.tsx';

/** What an estimate depends on, as one string, so the effect below re-runs only when it changes. */
function estimateKey(state: AppState): string {
  return JSON.stringify([
    state.currentThreadId,
    state.current?.thread.currentLeafId ?? null,
    state.current?.messages.length ?? 0,
    buildContent(state),
    state.settings?.activeModelId ?? null,
    state.current?.thread.earlierImagesLow ?? false,
  ]);
}

/**
 * How much of the context window the next message takes (`chat.estimate`, debounced), and a warning
 * before sending something that will not fit.
 */
export function TokenMeter() {
  const key = useApp(estimateKey);
  const estimate = useApp((s) => s.estimate);
  const imageTokens = useApp((s) =>
    s.attachments.reduce((sum, a) => sum + (a.plans[a.detail]?.promptTokens ?? 0), 0),
  );
  const { refreshEstimate } = useActions();

  useEffect(() => {
    const timer = setTimeout(() => void refreshEstimate(), 350);
    return () => clearTimeout(timer);
  }, [key, refreshEstimate]);

  const value = estimate.value;
  if (!value) {
    return (
      <div className="token-meter" data-testid="token-estimate">
        <EarlierImagesNote />
        {imageTokens > 0 && <>≈ {formatInt(imageTokens)} tokens for images</>}
      </div>
    );
  }
  if (value.unknown) {
    // A remote model of a family Tessera does not know: its server decides the images' cost.
    return (
      <div className="token-meter" data-testid="token-estimate" title={value.unknown}>
        <span data-testid="token-unknown">Token count unknown: the tile plan is unknown for this server</span>
      </div>
    );
  }
  const share = value.contextLength > 0 ? value.promptTokens / value.contextLength : 0;
  const level = !value.fits ? 'over' : share > 0.8 ? 'near' : 'ok';
  return (
    <div className={`token-meter token-${level}`} data-testid="token-estimate" aria-busy={estimate.loading}>
      <span className="token-bar" aria-hidden="true">
        <span style={{ width: `${Math.min(100, share * 100)}%` }} />
      </span>
      <span
        title={
          value.exact
            ? "Counted with the model's tokenizer and chat template"
            : 'Estimated until the model is loaded'
        }
      >
        {value.exact ? '' : '≈ '}
        {formatInt(value.promptTokens)}
        {/* 0: a remote server that did not say its window. */}
        {value.contextLength > 0 && ` / ${formatInt(value.contextLength)}`} tokens
      </span>
      {value.fits ? <EarlierImagesNote /> : <OverLimit value={value} />}
    </div>
  );
}

/**
 * Why the draft will not be sent whole, and what to do: lowering the earlier images' detail where the
 * services counted that it makes the prompt fit, otherwise the draft's own images, or a new thread.
 */
function OverLimit({ value }: { value: TokenEstimate }) {
  const lowered = value.earlierAtLow;
  return (
    <span className="token-warning" role="alert" data-testid="token-warning">
      {lowered?.fits ? (
        <>
          Will not fit the model’s context window; with earlier images at Low detail it takes{' '}
          {formatInt(lowered.promptTokens)} tokens.{' '}
          <LowerEarlierImagesButton promptTokens={lowered.promptTokens} />
        </>
      ) : (
        <>
          Will not fit the model’s context window. Set an image to Low detail, remove an image, or start a new
          thread.
        </>
      )}
    </span>
  );
}
