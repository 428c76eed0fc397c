import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { CSSProperties, KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import type { TokenConfidence } from '../../app/chat.ts';
import type { WireError } from '../../app/ipc/contract.ts';
import {
  confidenceSpans,
  HIGH_FLOOR,
  MEDIUM_FLOOR,
  percent,
  tokenLabel,
  type ConfidenceSpan,
} from '../lib/confidence.ts';
import { describeError } from '../lib/errors.ts';
import { useServices } from '../state/context.tsx';

type Loaded =
  | { state: 'loading' }
  | { state: 'none' }
  | { state: 'failed'; error: WireError }
  | { state: 'ready'; tokens: TokenConfidence[] };

/**
 * An answer's plain text with each word shaded by how sure the model was of it (the "Show confidence"
 * toggle). Plain text rather than the Markdown: a token maps to characters of the answer as written, which
 * the rendered Markdown rearranges. Hovering a word, or focusing a shaded one, shows its alternatives.
 */
export function ConfidenceText({ messageId, id }: { messageId: string; id: string }) {
  const { api } = useServices();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });

  useEffect(() => {
    let live = true;
    void api['chat.confidence']({ messageId }).then((result) => {
      if (!live) return;
      if (!result.ok) setLoaded({ state: 'failed', error: result.error });
      else if (!result.value || result.value.length === 0) setLoaded({ state: 'none' });
      else setLoaded({ state: 'ready', tokens: result.value });
    });
    return () => {
      live = false;
    };
  }, [api, messageId]);

  return (
    <div className="confidence" id={id} data-testid="confidence-view">
      {loaded.state === 'loading' && (
        <p className="confidence-note" role="status">
          Loading the model’s confidence…
        </p>
      )}
      {loaded.state === 'none' && (
        <p className="confidence-note" role="status" data-testid="confidence-none">
          No confidence was recorded for this answer: only answers written by a local model in this version of
          Tessera have it.
        </p>
      )}
      {loaded.state === 'failed' && (
        <p className="confidence-note" role="alert">
          Could not load the confidence: {describeError(loaded.error)}
        </p>
      )}
      {loaded.state === 'ready' && <ShadedText tokens={loaded.tokens} />}
    </div>
  );
}

function ShadedText({ tokens }: { tokens: TokenConfidence[] }) {
  const spans = useMemo(() => confidenceSpans(tokens), [tokens]);
  const [active, setActive] = useState<number | null>(null);
  const unsure = spans.filter((s) => s.kind === 'word' && s.level !== 'high').length;
  return (
    <>
      <Legend unsure={unsure} />
      <p className="confidence-text" data-testid="confidence-text">
        {spans.map((span, i) =>
          span.kind === 'space' ? (
            span.text
          ) : (
            <Word
              key={i}
              span={span}
              open={active === i}
              onOpen={() => setActive(i)}
              onClose={() => setActive((at) => (at === i ? null : at))}
            />
          ),
        )}
      </p>
    </>
  );
}

function Word({
  span,
  open,
  onOpen,
  onClose,
}: {
  span: Extract<ConfidenceSpan, { kind: 'word' }>;
  open: boolean;
  onOpen: () => void;
  onClose: () => void;
}) {
  const tipId = useId();
  const shaded = span.level !== 'high';
  const word = useRef<HTMLSpanElement>(null);
  const [place, setPlace] = useState<CSSProperties>({});
  // The tip floats on <body> (the message list clips what overflows an answer), under the word, kept inside
  // the window: above it when there is no room below.
  useLayoutEffect(() => {
    if (!open || !word.current) return;
    const rect = word.current.getBoundingClientRect();
    const width = Math.min(320, window.innerWidth - 16);
    const left = Math.max(8, Math.min(rect.left, window.innerWidth - width - 8));
    const below = rect.bottom + TIP_ROOM < window.innerHeight;
    setPlace(below ? { left, top: rect.bottom + 6 } : { left, bottom: window.innerHeight - rect.top + 6 });
  }, [open]);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !open) return;
    // Not to the window: there Escape stops an answer being written.
    event.stopPropagation();
    onClose();
  };
  return (
    <span
      ref={word}
      className={`confidence-word confidence-${span.level}`}
      data-testid="confidence-word"
      data-level={span.level}
      // Only the words the model was unsure of are tab stops; every word shows its tip on hover.
      tabIndex={shaded ? 0 : undefined}
      aria-describedby={open ? tipId : undefined}
      onMouseEnter={onOpen}
      onMouseLeave={onClose}
      onFocus={onOpen}
      onBlur={onClose}
      onKeyDown={onKeyDown}
    >
      {span.text}
      {shaded && <span className="visually-hidden"> ({percent(span.p)} sure)</span>}
      {open &&
        createPortal(
          <span
            className="confidence confidence-tip"
            role="tooltip"
            id={tipId}
            data-testid="confidence-tip"
            style={place}
          >
            <span className="confidence-tip-head">
              {/* A held-back token (half a character) has no text of its own: the word stands for it. */}
              {tokenLabel(span.token || span.text)}: {percent(span.p)}
            </span>
            {span.alternatives.length > 0 ? (
              <span className="confidence-tip-list">
                <span className="confidence-tip-caption">Instead, the model considered</span>
                {span.alternatives.map((a, i) => (
                  <span className="confidence-tip-row" key={i}>
                    <span>{tokenLabel(a.text)}</span>
                    <span className="confidence-tip-p">{percent(a.p)}</span>
                  </span>
                ))}
              </span>
            ) : (
              <span className="confidence-tip-caption">No other token came close.</span>
            )}
          </span>,
          document.body,
        )}
    </span>
  );
}

/** About the tallest tip (a head and five alternatives), to choose between below and above the word. */
const TIP_ROOM = 190;

function Legend({ unsure }: { unsure: number }) {
  return (
    <div className="confidence-legend" data-testid="confidence-legend">
      <span>How sure the model was of each word:</span>
      <span className="confidence-word confidence-high">sure</span>
      <span>(≥ {percent(HIGH_FLOOR)})</span>
      <span className="confidence-word confidence-medium">unsure</span>
      <span>
        ({percent(MEDIUM_FLOOR)}–{percent(HIGH_FLOOR)})
      </span>
      <span className="confidence-word confidence-low">guessing</span>
      <span>(&lt; {percent(MEDIUM_FLOOR)})</span>
      <span className="confidence-count" data-testid="confidence-count">
        {unsure === 0
          ? `No word below ${percent(HIGH_FLOOR)}.`
          : `${unsure} ${unsure === 1 ? 'word' : 'words'} below ${percent(HIGH_FLOOR)}.`}{' '}
        Hover or focus a word for the alternatives.
      </span>
    </div>
  );
}
