/**
 * Selecting a rectangle of an image: drag on it with a pointer, or focus the selection and move it with the
 * arrow keys (Shift+arrows resize it); Enter submits, Escape cancels. Everything it reports is in the
 * original image's pixels (lib/region.ts), whatever size the image is shown at. Used to cut a region out
 * (TileDialog) and to place redaction boxes (RedactDialog), which draws its marks in `children`.
 */
import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent, PointerEvent, ReactNode } from 'react';
import type { Size } from '../../app/tile-plan.ts';
import type { Region } from '../lib/crop.ts';
import {
  type Point,
  describeRegion,
  initialRegion,
  regionAfterKey,
  regionBetween,
  regionProblem,
  toOriginal,
  toShown,
} from '../lib/region.ts';
import { fitWithin } from '../lib/tile-layout.ts';

export const REGION_KEYS_HINT =
  'Drag on the image, or use the keys: arrows move the selection, Shift+arrows resize it, Enter';

export function RegionSelector({
  src,
  original,
  box,
  label,
  action,
  submitLabel,
  cancelLabel = null,
  onSubmit,
  onCancel,
  submitOnRelease = false,
  children,
}: {
  src: string;
  original: Size;
  /** Room for the image; it is shown whole inside, enlarged if smaller. */
  box: Size;
  /** The image's name for people ("Image 1"). */
  label: string;
  /** What Enter does, for the hint and the accessible name ("attaches it"). */
  action: string;
  /** The button that does the same as Enter ("Attach region"). */
  submitLabel: string;
  /** A button that does the same as Escape, where the surroundings have none. */
  cancelLabel?: string | null;
  onSubmit: (region: Region) => void;
  onCancel: () => void;
  /** Submit as soon as a drag ends (placing redaction boxes); otherwise a drag only selects. */
  submitOnRelease?: boolean;
  /** Layers drawn over the image, under the selection, at the size it is shown. */
  children?: (shown: Size) => ReactNode;
}) {
  const shown = fitWithin(original, box, true);
  const [region, setRegion] = useState<Region>(() => initialRegion(original));
  const [problem, setProblem] = useState<string | null>(null);
  const drag = useRef<{ start: Point; id: number } | null>(null);
  const stage = useRef<HTMLDivElement>(null);
  const selection = useRef<HTMLDivElement>(null);

  // Opened from a button: the keys work at once, without a Tab to reach the selection.
  useEffect(() => selection.current?.focus(), []);

  function pointOf(event: PointerEvent): Point {
    const rect = stage.current?.getBoundingClientRect();
    const at = { x: event.clientX - (rect?.left ?? 0), y: event.clientY - (rect?.top ?? 0) };
    return toOriginal(at, shown, original);
  }

  function submit(chosen: Region) {
    const wrong = regionProblem(chosen, original);
    setProblem(wrong);
    if (!wrong) onSubmit(chosen);
  }

  function onPointerDown(event: PointerEvent<HTMLDivElement>) {
    if (event.button !== 0) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture?.(event.pointerId);
    drag.current = { start: pointOf(event), id: event.pointerId };
  }

  function onPointerMove(event: PointerEvent<HTMLDivElement>) {
    if (drag.current?.id !== event.pointerId) return;
    setRegion(regionBetween(drag.current.start, pointOf(event), original));
    setProblem(null);
  }

  function onPointerUp(event: PointerEvent<HTMLDivElement>) {
    const started = drag.current;
    if (started?.id !== event.pointerId) return;
    drag.current = null;
    const dragged = regionBetween(started.start, pointOf(event), original);
    selection.current?.focus();
    // A click without a drag keeps the selection there was.
    if (dragged.width === 0 && dragged.height === 0) return;
    setRegion(dragged);
    if (submitOnRelease) submit(dragged);
    else setProblem(regionProblem(dragged, original));
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Enter') {
      event.preventDefault();
      submit(region);
      return;
    }
    if (event.key === 'Escape') {
      // The selection's own Escape: the dialog around it stays open.
      event.preventDefault();
      event.stopPropagation();
      onCancel();
      return;
    }
    const next = regionAfterKey(region, event.key, event.shiftKey, original);
    if (!next) return;
    event.preventDefault();
    setRegion(next);
    setProblem(regionProblem(next, original));
  }

  const drawn = toShown(region, shown, original);
  const where = describeRegion(region);
  return (
    <div className="region-selector" data-testid="region-selector">
      <div
        ref={stage}
        className="region-stage"
        data-testid="region-stage"
        style={{ width: shown.width, height: shown.height }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (drag.current = null)}
      >
        <img src={src} alt={`${label}, ${original.width}×${original.height} px`} draggable={false} />
        {children?.(shown)}
        <div
          ref={selection}
          className="region-selection"
          data-testid="region-selection"
          data-x={region.x}
          data-y={region.y}
          data-width={region.width}
          data-height={region.height}
          tabIndex={0}
          role="group"
          aria-roledescription="selection"
          aria-label={`Selected region of ${label}: ${where}. Arrow keys move it, Shift+arrow keys resize it, Enter ${action}, Escape cancels.`}
          data-autofocus
          style={{ left: drawn.x, top: drawn.y, width: drawn.width, height: drawn.height }}
          onKeyDown={onKeyDown}
        />
      </div>
      <p className="region-readout" data-testid="region-readout" aria-live="polite">
        Selection: {where} of {original.width}×{original.height} (original pixels)
      </p>
      {problem && (
        <p className="region-problem" role="alert" data-testid="region-problem">
          {problem}
        </p>
      )}
      <div className="region-actions">
        <button
          type="button"
          className="button primary small"
          data-testid="region-submit"
          onClick={() => submit(region)}
        >
          {submitLabel}
        </button>
        {cancelLabel && (
          <button type="button" className="button small" data-testid="region-cancel" onClick={onCancel}>
            {cancelLabel}
          </button>
        )}
        <p className="region-hint" data-testid="region-hint">
          {REGION_KEYS_HINT} {action}, Escape cancels.
        </p>
      </div>
    </div>
  );
}
