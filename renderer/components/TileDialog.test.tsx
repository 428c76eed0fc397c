// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useApp } from '../state/context.tsx';
import { loadAll } from '../state/store.ts';
import { must, pngFile, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { TileDialog } from './TileDialog.tsx';

afterEach(cleanup);

/** The dialog of the first attachment, once it is stored. */
function FirstAttachment() {
  const attachment = useApp((s) => s.attachments[0]);
  if (!attachment?.image) return null;
  return (
    <TileDialog
      image={{ ...attachment.image, detail: attachment.detail }}
      label="Image 1"
      attachmentKey={attachment.key}
      onClose={() => undefined}
    />
  );
}

/** The dialog for one attachment of the given size, both plans loaded. */
async function dialogFor(width: number, height: number) {
  const view = renderWithServices(<FirstAttachment />);
  await act(async () => {
    await loadAll(view.store);
    view.store.getState().addFiles([pngFile('x.png', width, height)], 'picker');
    await until(() => Boolean(view.store.getState().attachments[0]?.plans.low), 'both plans');
  });
  return view;
}

describe('TileDialog', () => {
  it('prints the total tokens in the header and the hover hint only when there are tiles', async () => {
    const view = await dialogFor(1920, 1080);
    expect(screen.getByTestId('tile-dialog-total').textContent).toBe('873 tokens');
    expect(screen.getByTestId('tile-dialog-help')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByTestId('detail-low'));
      await settle();
    });
    expect(view.store.getState().attachments[0]?.detail).toBe('low');
    expect(screen.getByTestId('tile-dialog-total').textContent).toBe('67 tokens');
    expect(screen.queryByTestId('tile-dialog-help')).toBeNull();
  });

  it('shows what the model gets at Low detail: the image squashed to the resized aspect', async () => {
    await dialogFor(600, 2400);
    await act(async () => {
      fireEvent.click(screen.getByTestId('detail-low'));
      await settle();
    });
    const modelView = screen.getByTestId('tile-model-view');
    const img = must(modelView.querySelector('img'));
    // The fake's Low plan is 512×512: drawn square, though the original is 1:4.
    expect(img.width).toBe(160);
    expect(img.height).toBe(160);
    expect(modelView.textContent).toContain('What the model gets');
    expect(modelView.textContent).toContain('512×512 px');
  });

  it('switches between Fit and 100 %', async () => {
    await dialogFor(600, 2400);
    expect(screen.getByTestId('tile-scroll').dataset.zoom).toBe('fit');
    fireEvent.click(screen.getByTestId('zoom-actual'));
    expect(screen.getByTestId('tile-scroll').dataset.zoom).toBe('actual');
    expect(screen.getByTestId('zoom-actual').getAttribute('aria-checked')).toBe('true');
  });

  it('warns that a small image is enlarged at High detail, and switches the attachment to Low', async () => {
    const view = await dialogFor(40, 40);
    const note = screen.getByTestId('tile-upscale-note');
    // The fake enlarges 40×40 to one 512×512 tile plus the global view: 136 tokens against Low's 67.
    expect(note.textContent).toContain(
      'This small image is enlarged to 512×512 at High detail (136 tokens); Low detail sends it as 67 tokens.',
    );
    await act(async () => {
      fireEvent.click(screen.getByTestId('use-low-detail'));
      await settle();
    });
    expect(view.store.getState().attachments[0]?.detail).toBe('low');
    expect(screen.queryByTestId('tile-upscale-note')).toBeNull();
  });

  it('no note for a screenshot', async () => {
    await dialogFor(1920, 1080);
    expect(screen.queryByTestId('tile-upscale-note')).toBeNull();
  });
});
