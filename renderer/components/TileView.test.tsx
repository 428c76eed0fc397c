// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { fakePlan } from '../testing/fake-api.ts';
import { must } from '../testing/harness.ts';
import { TileView } from './TileView.tsx';

afterEach(cleanup);

it('draws each tile scaled to the displayed size, labelled by row and column', () => {
  const plan = fakePlan(1920, 1080, 'high'); // 3 rows × 4 columns + global
  render(<TileView plan={plan} src="blob:x" box={{ width: 480, height: 480 }} alt="Image 1" large />);
  const tiles = screen.getAllByTestId('tile');
  expect(tiles).toHaveLength(12);
  // 1920 → 480 wide: a quarter of the original on each axis.
  expect(tiles[5]?.style.left).toBe('120px');
  expect(tiles[5]?.style.top).toBe('90px');
  expect(tiles[5]?.style.width).toBe('120px');
  expect(tiles[5]?.querySelector('.tile-label')?.textContent).toBe('R2·C2');
  // 120 × 90 px: room for the token count too.
  expect(tiles[5]?.querySelector('[data-testid="tile-tokens"]')?.textContent).toBe('64 tokens');
  expect(screen.getByTestId('tile-global-label').textContent).toBe('global 512×512 · 64 tokens');
  expect(screen.getByTestId('tile-caption').textContent).toBe(
    '3 × 4 tiles + global · 832 image tokens · 873 in the prompt',
  );

  // Hovered, the tile is described in the floating caption; the figure's caption keeps the summary.
  expect(screen.queryByTestId('tile-hover-caption')).toBeNull();
  fireEvent.mouseEnter(must(tiles[5]));
  expect(screen.getByTestId('tile-hover-caption').textContent).toBe(
    'R2·C2 — 480×360 px of the original → 512×512 input · 64 tokens',
  );
  expect(screen.getByTestId('tile-caption').textContent).toBe(
    '3 × 4 tiles + global · 832 image tokens · 873 in the prompt',
  );
  fireEvent.mouseLeave(screen.getByTestId('tile-overlay'));
  expect(screen.queryByTestId('tile-hover-caption')).toBeNull();
});

it('moves between tiles with the arrow keys (one Tab stop)', () => {
  render(
    <TileView plan={fakePlan(1024, 1024, 'high')} src={null} box={{ width: 400, height: 400 }} alt="x" />,
  );
  const tiles = screen.getAllByTestId('tile');
  const tile = (i: number) => must(tiles[i], `tile ${i}`);
  expect(tiles.map((t) => t.tabIndex)).toEqual([0, -1, -1, -1]);
  tile(0).focus();
  fireEvent.keyDown(tile(0), { key: 'ArrowRight' });
  expect(document.activeElement).toBe(tile(1));
  fireEvent.keyDown(tile(1), { key: 'ArrowDown' });
  expect(document.activeElement).toBe(tile(3));
  fireEvent.keyDown(tile(3), { key: 'ArrowDown' });
  expect(document.activeElement).toBe(screen.getByTestId('tile-global-label'));
});

it('shows only the global view at low detail', () => {
  render(<TileView plan={fakePlan(800, 600, 'low')} src={null} box={{ width: 200, height: 200 }} alt="x" />);
  expect(screen.queryAllByTestId('tile')).toHaveLength(0);
  expect(screen.getByTestId('tile-global')).toBeTruthy();
  expect(screen.getByTestId('tile-global-label').tabIndex).toBe(0);
});

it('draws the merged-patch grid of a single-view plan (Qwen2-VL), one token per cell', () => {
  // What the qwen2_vl family plans for 1288×644 at high detail: one view, 23 × 46 blocks of 28 px.
  const whole = { x: 0, y: 0, width: 1280, height: 640, inputWidth: 1288, inputHeight: 644, tokens: 1058 };
  const plan = {
    family: 'qwen2_vl',
    detail: 'high' as const,
    original: { width: 1280, height: 640 },
    resized: { width: 1288, height: 644 },
    grid: { rows: 23, cols: 46, unit: 'patches' as const },
    tiles: [whole],
    global: null,
    imageTokens: 1058,
    promptTokens: 1060,
  };
  render(<TileView plan={plan} src={null} box={{ width: 460, height: 460 }} alt="x" large />);
  const tile = must(screen.getAllByTestId('tile')[0]);
  expect(tile.dataset.patchGrid).toBe('23x46');
  // 1280 px shown 460 wide: each of 46 columns is 10 px; 230 px high over 23 rows is 10 px.
  expect(tile.style.backgroundSize).toBe('10px 10px');
  expect(screen.getByTestId('tile-caption').textContent).toBe(
    '1 tile of 23 × 46 patches · 1,058 image tokens · 1,060 in the prompt',
  );
});

it('draws no patch grid over a tiled plan', () => {
  render(
    <TileView plan={fakePlan(1920, 1080, 'high')} src={null} box={{ width: 480, height: 480 }} alt="x" />,
  );
  expect(screen.getAllByTestId('tile').every((t) => t.dataset.patchGrid === undefined)).toBe(true);
});

it('prints each tile’s tokens where the tile has room, and not on small tiles', () => {
  render(
    <TileView plan={fakePlan(1920, 1080, 'high')} src={null} box={{ width: 232, height: 150 }} alt="x" />,
  );
  // 232 px over 4 columns: 58 px wide tiles hold the row·column label only.
  expect(screen.getAllByTestId('tile')).toHaveLength(12);
  expect(screen.queryAllByTestId('tile-tokens')).toHaveLength(0);
  cleanup();
  render(
    <TileView plan={fakePlan(1024, 1024, 'high')} src={null} box={{ width: 400, height: 400 }} alt="x" />,
  );
  expect(screen.getAllByTestId('tile-tokens').map((t) => t.textContent)).toEqual([
    '64 tokens',
    '64 tokens',
    '64 tokens',
    '64 tokens',
  ]);
});

it('draws a tall image readably wide in the large view, scrolling, and at 100 % on request', () => {
  const plan = fakePlan(600, 2400, 'high'); // 4 rows × 1 column (scaled to 512 × 2048)
  const box = { width: 960, height: 600 };
  const view = render(<TileView plan={plan} src="blob:x" box={box} alt="x" large />);
  // Fitting the height alone would draw it 150 px wide; Fit keeps it 400 px wide and lets it scroll.
  const img = view.container.querySelector('img');
  expect(img?.width).toBe(400);
  expect(img?.height).toBe(1600);
  const scroll = screen.getByTestId('tile-scroll');
  expect(scroll.style.maxHeight).toBe('600px');
  expect(scroll.dataset.zoom).toBe('fit');
  expect(parseFloat(must(screen.getAllByTestId('tile')[0]).style.width)).toBe(400);

  view.rerender(<TileView plan={plan} src="blob:x" box={box} alt="x" large zoom="actual" />);
  expect(view.container.querySelector('img')?.width).toBe(600);
  expect(view.container.querySelector('img')?.height).toBe(2400);
  expect(screen.getByTestId('tile-scroll').dataset.zoom).toBe('actual');
});

it('keeps a landscape image whole in the large view', () => {
  const view = render(
    <TileView
      plan={fakePlan(1920, 1080, 'high')}
      src="blob:x"
      box={{ width: 960, height: 600 }}
      alt="x"
      large
    />,
  );
  expect(view.container.querySelector('img')?.width).toBe(960);
  expect(view.container.querySelector('img')?.height).toBe(540);
});

it('prints marks only where they fit whole, puts the global label under the image, and captions focus', () => {
  // A tall capture in the composer's preview: 2 × 4 tiles about 28 px wide, too narrow for "R1·C1".
  render(
    <TileView plan={fakePlan(1080, 2400, 'high')} src={null} box={{ width: 232, height: 150 }} alt="x" />,
  );
  const tiles = screen.getAllByTestId('tile');
  expect(tiles.length).toBeGreaterThan(4);
  expect(screen.queryAllByTestId('tile-label')).toHaveLength(0);
  expect(screen.queryAllByTestId('tile-tokens')).toHaveLength(0);
  // The global view's label is outside the tiles' overlay, under the image.
  const global = screen.getByTestId('tile-global-label');
  expect(screen.getByTestId('tile-overlay').contains(global)).toBe(false);
  // What is not printed is in the caption, on keyboard focus as on hover.
  const last = must(tiles.at(-1));
  act(() => last.focus());
  expect(screen.getByTestId('tile-hover-caption').textContent).toMatch(/^R4·C2 — /);
  act(() => last.blur());
  expect(screen.queryByTestId('tile-hover-caption')).toBeNull();
  act(() => global.focus());
  expect(screen.getByTestId('tile-hover-caption').textContent).toMatch(/^Global view — /);
});
