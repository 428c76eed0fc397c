/**
 * The tile view: the image with the model's tile plan drawn over it, so a person sees what the encoder
 * receives — each tile's crop of the original, its input size and token cost, the downscaled global view,
 * and the total. Tiles use a roving tabindex (one Tab stop; arrow keys move between tiles).
 */
import { useRef, useState } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';
import type { Size, Tile, TilePlan } from '../../app/tile-plan.ts';
import { formatInt, formatSize } from '../lib/format.ts';
import { describePlan, fitReadable, fitWithin, layoutPlan, patchGrid } from '../lib/tile-layout.ts';
import type { Rect } from '../lib/tile-layout.ts';

/** -1 = the global view. */
type Focus = number;
const GLOBAL = -1;

export function tileLabel(row: number, col: number): string {
  return `R${row + 1}·C${col + 1}`;
}

function tileDetails(tile: Tile): string {
  return `${formatSize(tile)} px of the original → ${formatSize({ width: tile.inputWidth, height: tile.inputHeight })} input · ${formatInt(tile.tokens)} tokens`;
}

function globalLabel(tile: Tile, short = false): string {
  if (short) return `global · ${formatInt(tile.tokens)}`;
  return `global ${tile.inputWidth}×${tile.inputHeight} · ${formatInt(tile.tokens)} tokens`;
}

export function planTotals(plan: TilePlan): string {
  return `${formatInt(plan.imageTokens)} image tokens · ${formatInt(plan.promptTokens)} in the prompt`;
}

/** Fit: the dialog's readable fit (tall images scroll); actual: one image pixel per CSS pixel. */
export type Zoom = 'fit' | 'actual';

/** A tile's token count is printed on it only where it has room under the row·column label. */
export const showTokens = (rect: Rect, large: boolean) =>
  rect.width >= (large ? 76 : 60) && rect.height >= (large ? 48 : 40);

const rectStyle = (rect: Rect) => ({
  left: rect.left,
  top: rect.top,
  width: rect.width,
  height: rect.height,
});

export function TileView({
  plan,
  src,
  box,
  alt,
  large = false,
  zoom = 'fit',
  busy = null,
}: {
  plan: TilePlan | null;
  src: string | null;
  /** The space available; the image is fitted inside it. */
  box: Size;
  alt: string;
  large?: boolean;
  /** Large only: how the image is scaled; the stage scrolls inside `box` when it is bigger. */
  zoom?: Zoom;
  /** A status shown over the image (e.g. "Storing…") while there is no plan. */
  busy?: string | null;
}) {
  const original = plan?.original ?? { width: 4, height: 3 };
  const displayed = !large
    ? fitWithin(original, box, true)
    : zoom === 'actual'
      ? original
      : fitReadable(original, box);
  const layout = plan ? layoutPlan(plan, displayed) : null;
  const patches = plan ? patchGrid(plan) : null;
  const [active, setActive] = useState<Focus | null>(null);
  const [focusIndex, setFocusIndex] = useState<Focus>(0);
  // The one Tab stop must exist in the current plan (a switch to Low detail removes the tiles).
  const tabStop: Focus =
    layout && (layout.tiles[focusIndex] || (focusIndex === GLOBAL && layout.global))
      ? focusIndex
      : layout?.tiles.length
        ? 0
        : GLOBAL;
  const overlay = useRef<HTMLDivElement>(null);
  // Labels only where a tile is big enough to hold them legibly.
  const showLabels = (rect: Rect) => rect.width >= 38 && rect.height >= 22;

  function move(event: KeyboardEvent, from: Focus) {
    if (!layout) return;
    const tiles = layout.tiles;
    const here = tiles[from];
    let to: Focus | undefined;
    const at = (row: number, col: number) => tiles.find((t) => t.row === row && t.col === col)?.index;
    if (event.key === 'ArrowRight') to = here ? at(here.row, here.col + 1) : undefined;
    else if (event.key === 'ArrowLeft') to = here ? at(here.row, here.col - 1) : undefined;
    else if (event.key === 'ArrowDown') to = here ? (at(here.row + 1, here.col) ?? GLOBAL) : undefined;
    else if (event.key === 'ArrowUp') to = here ? at(here.row - 1, here.col) : tiles.length ? 0 : undefined;
    else if (event.key === 'Home') to = tiles.length ? 0 : GLOBAL;
    else if (event.key === 'End') to = layout.global ? GLOBAL : tiles.length - 1;
    else return;
    event.preventDefault();
    if (to === undefined || (to === GLOBAL && !layout.global)) return;
    setFocusIndex(to);
    overlay.current?.querySelector<HTMLElement>(`[data-focus="${to}"]`)?.focus();
  }

  const activeBox = active !== null && active !== GLOBAL ? layout?.tiles[active] : undefined;
  const caption =
    plan === null
      ? null
      : activeBox
        ? `${tileLabel(activeBox.row, activeBox.col)} — ${tileDetails(activeBox.tile)}`
        : active === GLOBAL && plan.global
          ? `Global view — the whole image downscaled to ${formatSize({ width: plan.global.inputWidth, height: plan.global.inputHeight })} · ${formatInt(plan.global.tokens)} tokens`
          : `${describePlan(plan)} · ${planTotals(plan)}`;

  // Large: the stage scrolls (both ways) inside the room given, so a zoomed or tall image can be panned.
  const wrapScroll = (stage: ReactNode) =>
    large ? (
      <div
        className="tile-scroll"
        data-testid="tile-scroll"
        data-zoom={zoom}
        style={{ maxWidth: box.width, maxHeight: box.height }}
      >
        {stage}
      </div>
    ) : (
      stage
    );

  return (
    <figure className={`tile-view${large ? ' tile-view-large' : ''}`} data-testid="tile-view">
      {wrapScroll(
        <div className="tile-stage" style={{ width: displayed.width, height: displayed.height }}>
          {src ? (
            <img src={src} alt={alt} width={displayed.width} height={displayed.height} draggable={false} />
          ) : (
            <div className="tile-placeholder" role="img" aria-label={alt} />
          )}
          {layout && plan && (
            <div
              ref={overlay}
              className="tile-overlay"
              data-testid="tile-overlay"
              data-detail={plan.detail}
              role="group"
              aria-label={`Tile plan: ${describePlan(plan)}, ${planTotals(plan)}`}
              onMouseLeave={() => setActive(null)}
            >
              {layout.tiles.map((box) => (
                <div
                  key={box.index}
                  className="tile"
                  data-testid="tile"
                  data-row={box.row}
                  data-col={box.col}
                  data-focus={box.index}
                  style={{
                    ...rectStyle(box.rect),
                    // Lines between the merged patches of a single-view plan, each one token.
                    ...(patches && {
                      backgroundSize: `${box.rect.width / patches.cols}px ${box.rect.height / patches.rows}px`,
                    }),
                  }}
                  data-patch-grid={patches ? `${patches.rows}x${patches.cols}` : undefined}
                  tabIndex={tabStop === box.index ? 0 : -1}
                  role="img"
                  aria-label={`Tile ${tileLabel(box.row, box.col)}: ${tileDetails(box.tile)}`}
                  title={`${tileLabel(box.row, box.col)}: ${tileDetails(box.tile)}`}
                  onMouseEnter={() => setActive(box.index)}
                  onFocus={() => {
                    setActive(box.index);
                    setFocusIndex(box.index);
                  }}
                  onBlur={() => setActive(null)}
                  onKeyDown={(e) => move(e, box.index)}
                >
                  {showLabels(box.rect) && <span className="tile-label">{tileLabel(box.row, box.col)}</span>}
                  {showTokens(box.rect, large) && (
                    <span className="tile-tokens" data-testid="tile-tokens" aria-hidden="true">
                      {formatInt(box.tile.tokens)} tokens
                    </span>
                  )}
                </div>
              ))}
              {layout.global && (
                <div
                  className="tile-global"
                  data-testid="tile-global"
                  style={rectStyle(layout.global.rect)}
                  aria-hidden="true"
                />
              )}
              {layout.global && (
                <div
                  className="tile-global-label"
                  data-testid="tile-global-label"
                  data-focus={GLOBAL}
                  tabIndex={tabStop === GLOBAL ? 0 : -1}
                  role="img"
                  aria-label={`Global view: ${globalLabel(layout.global.tile)}`}
                  onMouseEnter={() => setActive(GLOBAL)}
                  onFocus={() => {
                    setActive(GLOBAL);
                    setFocusIndex(GLOBAL);
                  }}
                  onBlur={() => setActive(null)}
                  onKeyDown={(e) => move(e, GLOBAL)}
                >
                  {globalLabel(layout.global.tile, displayed.width < 180)}
                </div>
              )}
            </div>
          )}
          {!large && caption && active !== null && (
            <div
              className={`tile-tooltip${activeBox && activeBox.rect.top < displayed.height / 2 ? ' tile-tooltip-low' : ''}`}
              aria-hidden="true"
            >
              {caption}
            </div>
          )}
          {busy && !plan && (
            <div className="tile-busy" role="status">
              <span className="spinner" aria-hidden="true" />
              {busy}
            </div>
          )}
        </div>,
      )}
      {caption && large && (
        <figcaption className="tile-caption" data-testid="tile-caption">
          {caption}
        </figcaption>
      )}
    </figure>
  );
}
