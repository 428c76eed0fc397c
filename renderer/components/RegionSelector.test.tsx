// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImageRef } from '../../app/ipc/contract.ts';
import { useApp } from '../state/context.tsx';
import { loadAll } from '../state/store.ts';
import { must, pngFile, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { TileDialog } from './TileDialog.tsx';

// jsdom has no canvas: the cut itself is checked end to end (e2e/region.e2e.test.ts); here, what is asked.
const attachCrop = vi.hoisted(() => vi.fn(async (..._args: unknown[]) => new File([], 'crop.png')));
vi.mock('../lib/crop.ts', () => ({ attachCrop }));

afterEach(() => {
  cleanup();
  attachCrop.mockClear();
});

function FirstAttachment({ onClose }: { onClose: () => void }) {
  const attachment = useApp((s) => s.attachments[0]);
  if (!attachment?.image) return null;
  return (
    <TileDialog
      image={{ ...attachment.image, detail: attachment.detail }}
      label="Image 1"
      attachmentKey={attachment.key}
      selectRegion
      onClose={onClose}
    />
  );
}

async function attached(width: number, height: number, onClose = () => undefined) {
  const view = renderWithServices(<FirstAttachment onClose={onClose} />);
  await act(async () => {
    await loadAll(view.store);
    view.store.getState().addFiles([pngFile('shot.png', width, height)], 'picker');
    await until(() => Boolean(view.store.getState().attachments[0]?.image), 'the stored image');
  });
  return view;
}

const selection = () => screen.getByTestId('region-selection');
const shown = () => {
  const s = selection();
  return ['x', 'y', 'width', 'height'].map((k) => Number(s.dataset[k]));
};

describe('region selection in the tile dialog', () => {
  it('opens with a focused selection of the middle half, named with its keys and its original pixels', async () => {
    await attached(1920, 1080);
    expect(document.activeElement).toBe(selection());
    expect(shown()).toEqual([480, 270, 960, 540]);
    expect(selection().getAttribute('aria-label')).toBe(
      'Selected region of Image 1: 960×540 px at 480, 270. Arrow keys move it, Shift+arrow keys resize it, Enter attaches it as a new image, Escape cancels.',
    );
    expect(screen.getByTestId('region-readout').textContent).toBe(
      'Selection: 960×540 px at 480, 270 of 1920×1080 (original pixels)',
    );
    expect(screen.getByTestId('region-hint').textContent).toContain('Shift+arrows resize it');
    expect(screen.getByTestId('region-toggle').getAttribute('aria-pressed')).toBe('true');
  });

  it('moves with the arrows, resizes with Shift, and attaches that region with Enter', async () => {
    const onClose = vi.fn();
    const view = await attached(1920, 1080, onClose);
    fireEvent.keyDown(selection(), { key: 'ArrowLeft' });
    fireEvent.keyDown(selection(), { key: 'ArrowDown' });
    fireEvent.keyDown(selection(), { key: 'ArrowRight', shiftKey: true });
    fireEvent.keyDown(selection(), { key: 'ArrowUp', shiftKey: true });
    expect(shown()).toEqual([461, 289, 979, 521]);
    expect(screen.getByTestId('region-readout').textContent).toContain('979×521 px at 461, 289');
    await act(async () => {
      fireEvent.keyDown(selection(), { key: 'Enter' });
      await until(() => onClose.mock.calls.length > 0, 'the dialog to close');
    });
    const image = must(view.store.getState().attachments[0]?.image);
    expect(attachCrop).toHaveBeenCalledWith(
      view.store.getState().addFiles,
      { url: expect.any(String), image: expect.objectContaining({ sha256: image.sha256 }) as ImageRef },
      { x: 461, y: 289, width: 979, height: 521 },
    );
  });

  it('stops shrinking at the minimum size, and Escape leaves the selection, not the dialog', async () => {
    const onClose = vi.fn();
    await attached(20, 16, onClose);
    for (let i = 0; i < 4; i++) fireEvent.keyDown(selection(), { key: 'ArrowLeft', shiftKey: true });
    expect(shown()).toEqual([5, 4, 8, 8]);
    // 8×8 is the least it shrinks to: still allowed. A smaller image has nothing to cut.
    fireEvent.keyDown(selection(), { key: 'Enter' });
    await act(async () => {
      await until(() => attachCrop.mock.calls.length === 1, 'the crop');
    });
    expect(onClose).toHaveBeenCalledTimes(1); // by the attach
    fireEvent.keyDown(selection(), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('region-selector')).toBeNull();
    expect(screen.getByTestId('region-toggle').getAttribute('aria-pressed')).toBe('false');
  });

  it('on a sent image, asks about the region in the next question', async () => {
    const onClose = vi.fn();
    // Shown as a sent message's image is: no attachment key, its bytes fetched from the store.
    function SentImage() {
      const image = useApp((s) => s.attachments[0]?.image);
      return image ? <TileDialog image={image} label="Image 2" selectRegion onClose={onClose} /> : null;
    }
    const view = renderWithServices(<SentImage />);
    await act(async () => {
      view.store.getState().addFiles([pngFile('sent.png', 800, 600)], 'picker');
      await until(() => Boolean(view.store.getState().attachments[0]?.image), 'the stored image');
    });
    // Its bytes come back from the store (images.get) before the selection can be drawn.
    for (let i = 0; i < 50 && !screen.queryByTestId('region-selection'); i++) await act(settle);
    expect(screen.getByTestId('region-submit').textContent).toBe('Ask about this region');
    expect(selection().getAttribute('aria-label')).toContain('Enter asks about it in the next question');
    await act(async () => {
      fireEvent.keyDown(selection(), { key: 'Enter' });
      await until(() => onClose.mock.calls.length > 0, 'the dialog to close');
    });
    expect(attachCrop.mock.calls[0]?.[2]).toEqual({ x: 200, y: 150, width: 400, height: 300 });
  });

  it('says why an image too small to cut has no region', async () => {
    await attached(6, 6);
    fireEvent.click(screen.getByTestId('region-submit'));
    expect(screen.getByTestId('region-problem').textContent).toBe(
      'The image is smaller than 8×8 pixels: there is no region to cut.',
    );
    expect(attachCrop).not.toHaveBeenCalled();
  });
});
