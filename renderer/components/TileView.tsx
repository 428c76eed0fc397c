/**
 * The tile view: the image with the model's tile plan drawn over it, so a person sees what the encoder
 * receives — each tile's crop of the original, its input size and token cost, the downscaled global view,
 * and the total. Tiles use a roving tabindex (one Tab stop; arrow keys move between tiles).
 *
 * Nothing printed is clipped or covers another mark: a tile prints its label and tokens only where they fit
 * whole (`tileMarks`), the global view's label sits under the image rather than over a row of tiles, and
 * the hover/focus caption floats whole inside the window (`TileCaption`).
 */
import { useRef, useState } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';
import type { Size, Tile, TilePlan } from '../../app/tile-plan.ts';
import { formatInt, formatSize } from '../lib/format.ts';
import {
  LEGEND_ROOM,
  describePlan,
  fitReadable,
  fitWithin,
  layoutPlan,
  patchGrid,
  tileMarks,
} from '../lib/tile-layout.ts';
import type { Rect } from '../lib/tile-layout.ts';
import { TileCaption } from './TileCaption.tsx';

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

const tokensText = (tile: Tile) => `${formatInt(tile.tokens)} tokens`;

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
  // The small preview keeps room under the image for the global view's label (always, so it never jumps).
  const displayed = !large
    ? fitWithin(original, { width: box.width, height: Math.max(1, box.height - LEGEND_ROOM) }, true)
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
  const figure = useRef<HTMLElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  // What the caption is placed against: the hovered or focused mark (large), the whole preview (small).
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const activate = (focus: Focus, element: HTMLElement) => {
    setActive(focus);
    setAnchor(large ? element : stage.current);
  };

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
    figure.current?.querySelector<HTMLElement>(`[data-focus="${to}"]`)?.focus();
  }

  const activeBox = active !== null && active !== GLOBAL ? layout?.tiles[active] : undefined;
  const summary = plan === null ? null : `${describePlan(plan)} · ${planTotals(plan)}`;
  const caption =
    plan === null || active === null
      ? null
      : activeBox
        ? `${tileLabel(activeBox.row, activeBox.col)} — ${tileDetails(activeBox.tile)}`
        : active === GLOBAL && plan.global
          ? `Global view — the whole image downscaled to ${formatSize({ width: plan.global.inputWidth, height: plan.global.inputHeight })} · ${formatInt(plan.global.tokens)} tokens`
          : summary;
  const leave = () => setActive(null);

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
    <figure ref={figure} className={`tile-view${large ? ' tile-view-large' : ''}`} data-testid="tile-view">
      {wrapScroll(
        <div ref={stage} className="tile-stage" style={{ width: displayed.width, height: displayed.height }}>
          {src ? (
            <img src={src} alt={alt} width={displayed.width} height={displayed.height} draggable={false} />
          ) : (
            <div className="tile-placeholder" role="img" aria-label={alt} />
          )}
          {layout && plan && (
            <div
              className="tile-overlay"
              data-testid="tile-overlay"
              data-detail={plan.detail}
              role="group"
              aria-label={`Tile plan: ${describePlan(plan)}, ${planTotals(plan)}`}
              onMouseLeave={leave}
            >
              {layout.tiles.map((box) => {
                const marks = tileMarks(
                  box.rect,
                  { label: tileLabel(box.row, box.col), tokens: tokensText(box.tile) },
                  large,
                );
                return (
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
                    onMouseEnter={(e) => activate(box.index, e.currentTarget)}
                    onFocus={(e) => {
                      activate(box.index, e.currentTarget);
                      setFocusIndex(box.index);
                    }}
                    onBlur={leave}
                    onKeyDown={(e) => move(e, box.index)}
                  >
                    {marks.label && (
                      <span className="tile-label" data-testid="tile-label">
                        {tileLabel(box.row, box.col)}
                      </span>
                    )}
                    {marks.tokens && (
                      <span className="tile-tokens" data-testid="tile-tokens" aria-hidden="true">
                        {tokensText(box.tile)}
                      </span>
                    )}
                  </div>
                );
              })}
              {layout.global && (
                <div
                  className="tile-global"
                  data-testid="tile-global"
                  style={rectStyle(layout.global.rect)}
                  aria-hidden="true"
                />
              )}
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
      {layout?.global && (
        // Under the image, not over it: over the image it covered the last row of tiles and their marks.
        <div
          className="tile-legend"
          style={{ width: large ? Math.min(displayed.width, box.width) : displayed.width }}
        >
          <div
            className="tile-global-label"
            data-testid="tile-global-label"
            data-focus={GLOBAL}
            tabIndex={tabStop === GLOBAL ? 0 : -1}
            role="img"
            aria-label={`Global view: ${globalLabel(layout.global.tile)}`}
            onMouseEnter={(e) => activate(GLOBAL, e.currentTarget)}
            onMouseLeave={leave}
            onFocus={(e) => {
              activate(GLOBAL, e.currentTarget);
              setFocusIndex(GLOBAL);
            }}
            onBlur={leave}
            onKeyDown={(e) => move(e, GLOBAL)}
          >
            {globalLabel(layout.global.tile, displayed.width < 180)}
          </div>
        </div>
      )}
      {summary && large && (
        <figcaption className="tile-caption" data-testid="tile-caption">
          {summary}
        </figcaption>
      )}
      {caption && <TileCaption text={caption} anchor={anchor} />}
    </figure>
  );
}
