/**
 * Redact an image before it is sent: black boxes (dragged, or placed with the keys) and a freehand brush,
 * with undo and clear. Applying burns the marks into a new PNG (lib/redact.ts). For an attachment, it
 * replaces the attachment through the usual attach path and the original is then discarded from the store;
 * for a new image not attached yet (the "redact before attaching" setting), only the redacted PNG, or the
 * original if the user says so, is attached: the original is never stored.
 */
import { useEffect, useRef, useState } from 'react';
import type { PointerEvent, ReactNode } from 'react';
import type { Size } from '../../app/tile-plan.ts';
import { toOriginal } from '../lib/region.ts';
import {
  BRUSH_SIZES,
  EMPTY_REDACTION,
  type Redaction,
  type Stroke,
  addStroke,
  brushPath,
  brushSize,
  decodedSize,
  extendStroke,
  redactToFile,
  redactedName,
  undoStroke,
} from '../lib/redact.ts';
import { fitWithin } from '../lib/tile-layout.ts';
import { useActions, useApp } from '../state/context.tsx';
import { Modal } from './Modal.tsx';
import { RegionSelector } from './RegionSelector.tsx';

type Tool = 'box' | 'brush';

const TOOLS: Array<{ value: Tool; label: string; hint: string }> = [
  { value: 'box', label: 'Box', hint: 'Drag a box, or place it with the keys, to black it out' },
  { value: 'brush', label: 'Brush', hint: 'Paint freehand over what should not be sent' },
];

/** Room for the image inside the dialog (CSS caps the dialog at the window). */
function stageBox(): Size {
  const width = Math.min(960, Math.max(280, (globalThis.innerWidth || 1024) - 96));
  const height = Math.min(600, Math.max(200, (globalThis.innerHeight || 768) - 320));
  return { width, height };
}

/** The marks so far, drawn over the image as shown (an SVG in original pixels, scaled with the image). */
function Marks({ strokes, original, shown }: { strokes: readonly Stroke[]; original: Size; shown: Size }) {
  return (
    <svg
      className="redact-marks"
      data-testid="redact-marks"
      width={shown.width}
      height={shown.height}
      viewBox={`0 0 ${original.width} ${original.height}`}
      preserveAspectRatio="none"
      aria-hidden="true"
    >
      {strokes.map((stroke, i) =>
        stroke.kind === 'box' ? (
          <rect key={i} {...stroke.region} fill="#000" />
        ) : (
          <path
            key={i}
            d={brushPath(stroke.points)}
            fill="none"
            stroke="#000"
            strokeWidth={stroke.size}
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        ),
      )}
    </svg>
  );
}

/** The brush's canvas: the image with the marks, painted on with a pointer. */
function BrushStage({
  src,
  original,
  shown,
  label,
  redaction,
  onStart,
  onExtend,
}: {
  src: string;
  original: Size;
  shown: Size;
  label: string;
  redaction: Redaction;
  onStart: (at: { x: number; y: number }) => void;
  onExtend: (at: { x: number; y: number }) => void;
}) {
  const stage = useRef<HTMLDivElement>(null);
  const painting = useRef<number | null>(null);
  function pointOf(event: PointerEvent) {
    const rect = stage.current?.getBoundingClientRect();
    const at = { x: event.clientX - (rect?.left ?? 0), y: event.clientY - (rect?.top ?? 0) };
    const p = toOriginal(at, shown, original);
    return { x: Math.round(p.x), y: Math.round(p.y) };
  }
  return (
    <div
      ref={stage}
      className="region-stage redact-brush-stage"
      data-testid="redact-brush-stage"
      style={{ width: shown.width, height: shown.height }}
      onPointerDown={(event) => {
        if (event.button !== 0) return;
        event.preventDefault();
        event.currentTarget.setPointerCapture?.(event.pointerId);
        painting.current = event.pointerId;
        onStart(pointOf(event));
      }}
      onPointerMove={(event) => {
        if (painting.current === event.pointerId) onExtend(pointOf(event));
      }}
      onPointerUp={() => (painting.current = null)}
      onPointerCancel={() => (painting.current = null)}
    >
      <img src={src} alt={`${label}, ${original.width}×${original.height} px`} draggable={false} />
      <Marks strokes={redaction.strokes} original={original} shown={shown} />
    </div>
  );
}

/** Redacts an attached (stored) image: the redaction replaces it and the original leaves the store. */
export function RedactDialog({
  attachmentKey,
  label,
  onClose,
}: {
  attachmentKey: string;
  label: string;
  onClose: () => void;
}) {
  const attachment = useApp((s) => s.attachments.find((a) => a.key === attachmentKey));
  const { replaceAttachment, pushToast } = useActions();
  const image = attachment?.image;
  const src = attachment?.previewUrl;
  if (!attachment || !image || !src) {
    return (
      <Modal title={`Redact ${label}`} onClose={onClose} testId="redact-dialog">
        <p className="message-error" role="alert">
          This image is no longer attached, or not stored yet.
        </p>
      </Modal>
    );
  }
  return (
    <RedactEditor
      title={`Redact ${label}`}
      src={src}
      name={attachment.name}
      label={label}
      original={{ width: image.width, height: image.height }}
      note={
        <>
          Applying replaces the attachment with the redacted image; the original is removed from
          Tessera&apos;s store and is never sent.
        </>
      }
      onClose={onClose}
      onRedacted={async (file) => {
        onClose();
        const stored = await replaceAttachment(attachment.key, file);
        pushToast(
          stored
            ? { message: `${label} is redacted: only the redacted image is kept and sent` }
            : { message: `The redacted ${label} could not be stored; see its card`, tone: 'error' },
        );
      }}
    />
  );
}

/**
 * Redacts the first new image waiting to be attached (composer's `pending`), from its bytes in memory:
 * Apply attaches only the redacted PNG, "Attach as is" the original, Cancel nothing.
 */
export function RedactPendingDialog() {
  const first = useApp((s) => s.pending[0]);
  const done = useApp((s) => s.pendingDone);
  const total = useApp((s) => s.pendingDone + s.pending.length);
  const { settlePending } = useActions();
  const [size, setSize] = useState<{ url: string; size: Size } | { url: string; error: string } | null>(null);
  const url = first?.url;
  useEffect(() => {
    if (!url) return;
    let live = true;
    decodedSize(url).then(
      (decoded) => live && setSize({ url, size: decoded }),
      (error: unknown) =>
        live && setSize({ url, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [url]);
  if (!first) return null;
  const title = `Redact ${first.name} before attaching (${done + 1} of ${total})`;
  const decoded = size?.url === first.url ? size : null;
  if (!decoded || 'error' in decoded) {
    return (
      <Modal title={title} onClose={() => settlePending(null)} testId="redact-dialog">
        {decoded ? (
          <p className="message-error" role="alert" data-testid="redact-problem">
            This image cannot be shown to redact it ({decoded.error}).
          </p>
        ) : (
          <p role="status">Opening the image…</p>
        )}
        <PendingActions onAsIs={() => settlePending(first.file)} onCancel={() => settlePending(null)} />
      </Modal>
    );
  }
  return (
    <RedactEditor
      key={first.key}
      title={title}
      src={first.url}
      name={first.name}
      label={first.name}
      original={decoded.size}
      note={
        <>
          Nothing of this image is stored until you choose: Apply attaches only the redacted image, and the
          original is never stored or sent; Attach as is keeps the original; Cancel attaches nothing.
        </>
      }
      onClose={() => settlePending(null)}
      onRedacted={(file) => settlePending(file)}
      asIs={() => settlePending(first.file)}
    />
  );
}

function PendingActions({ onAsIs, onCancel }: { onAsIs: () => void; onCancel: () => void }) {
  return (
    <div className="dialog-actions redact-actions">
      <button type="button" className="button" data-testid="redact-cancel" onClick={onCancel}>
        Cancel
      </button>
      <button type="button" className="button" data-testid="redact-as-is" onClick={onAsIs}>
        Attach as is
      </button>
    </div>
  );
}

/** The tools, the image with its marks, and the actions; `onRedacted` gets the burnt-in PNG. */
function RedactEditor({
  title,
  src,
  name,
  label,
  original,
  note,
  onClose,
  onRedacted,
  asIs,
}: {
  title: string;
  src: string;
  /** The image's file name; the redaction is named after it. */
  name: string;
  label: string;
  original: Size;
  note: ReactNode;
  onClose: () => void;
  onRedacted: (file: File) => void | Promise<void>;
  /** Offered before attaching: attach the original unchanged. */
  asIs?: () => void;
}) {
  const [tool, setTool] = useState<Tool>('box');
  const [size, setSize] = useState<number>(BRUSH_SIZES.initial);
  const [redaction, setRedaction] = useState<Redaction>(EMPTY_REDACTION);
  const [applying, setApplying] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const shown = fitWithin(original, stageBox(), true);
  const count = redaction.strokes.length;

  async function apply() {
    if (count === 0) return;
    setApplying(true);
    setProblem(null);
    let file: File;
    try {
      file = await redactToFile(src, original, redaction.strokes, redactedName(name));
    } catch (error) {
      setApplying(false);
      setProblem(`Could not redact: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    await onRedacted(file);
  }

  return (
    <Modal title={title} onClose={onClose} wide testId="redact-dialog">
      <div className="redact-dialog">
        <div className="tile-dialog-bar redact-bar">
          <div className="segmented" role="radiogroup" aria-label="Redaction tool" data-testid="redact-tool">
            {TOOLS.map((option) => (
              <button
                key={option.value}
                type="button"
                role="radio"
                aria-checked={tool === option.value}
                data-testid={`redact-tool-${option.value}`}
                title={option.hint}
                tabIndex={tool === option.value ? 0 : -1}
                onClick={() => setTool(option.value)}
                onKeyDown={(e) => {
                  if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
                    e.preventDefault();
                    setTool(tool === 'box' ? 'brush' : 'box');
                  }
                }}
              >
                {option.label}
              </button>
            ))}
          </div>
          {tool === 'brush' && (
            <label className="redact-size">
              Brush size
              <input
                type="range"
                data-testid="redact-brush-size"
                min={BRUSH_SIZES.min}
                max={BRUSH_SIZES.max}
                value={size}
                onChange={(e) => setSize(Number(e.target.value))}
              />
              <output>{size} px</output>
            </label>
          )}
          <button
            type="button"
            className="button small"
            data-testid="redact-undo"
            disabled={count === 0}
            onClick={() => setRedaction(undoStroke)}
          >
            Undo
          </button>
          <button
            type="button"
            className="button small"
            data-testid="redact-clear"
            disabled={count === 0}
            onClick={() => setRedaction(EMPTY_REDACTION)}
          >
            Clear
          </button>
          <span className="tile-dialog-note" data-testid="redact-count" aria-live="polite">
            {count === 0 ? 'Nothing blacked out yet' : `${count} ${count === 1 ? 'mark' : 'marks'}`}
          </span>
        </div>
        {tool === 'box' ? (
          <RegionSelector
            src={src}
            original={original}
            box={shown}
            label={label}
            action="blacks it out"
            submitLabel="Black out the selection"
            submitOnRelease
            onSubmit={(region) => setRedaction((r) => addStroke(r, { kind: 'box', region }))}
            onCancel={onClose}
          >
            {(at) => <Marks strokes={redaction.strokes} original={original} shown={at} />}
          </RegionSelector>
        ) : (
          <>
            <BrushStage
              src={src}
              original={original}
              shown={shown}
              label={label}
              redaction={redaction}
              onStart={(at) =>
                setRedaction((r) =>
                  addStroke(r, { kind: 'brush', size: brushSize(size, shown, original), points: [at] }),
                )
              }
              onExtend={(at) => setRedaction((r) => extendStroke(r, at))}
            />
            <p className="region-hint">Paint with the pointer. With the keyboard, use the Box tool.</p>
          </>
        )}
        {problem && (
          <p className="message-error" role="alert" data-testid="redact-problem">
            {problem}
          </p>
        )}
        <p className="redact-note" data-testid="redact-note">
          {note}
        </p>
        <div className="dialog-actions redact-actions">
          <button type="button" className="button" data-testid="redact-cancel" onClick={onClose}>
            Cancel
          </button>
          {asIs && (
            <button type="button" className="button" data-testid="redact-as-is" onClick={asIs}>
              Attach as is
            </button>
          )}
          <button
            type="button"
            className="button primary"
            data-testid="redact-apply"
            disabled={count === 0 || applying}
            onClick={() => void apply()}
          >
            {applying ? 'Applying…' : 'Apply redaction'}
          </button>
        </div>
      </div>
    </Modal>
  );
}
