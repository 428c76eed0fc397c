// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Redact from '../lib/redact.ts';
import type { Stroke } from '../lib/redact.ts';
import { useApp } from '../state/context.tsx';
import { loadAll } from '../state/store.ts';
import { must, pngFile, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { RedactDialog } from './RedactDialog.tsx';

// jsdom has no canvas: the burnt-in pixels are checked end to end (e2e/redact.e2e.test.ts).
const redactToFile = vi.hoisted(() =>
  vi.fn(async (_url: string, _size: unknown, _strokes: readonly Stroke[], name: string) => {
    const bytes = new Uint8Array(24);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(bytes.buffer).setUint32(16, 1920);
    new DataView(bytes.buffer).setUint32(20, 1080);
    return new File([bytes, 'redacted'], name, { type: 'image/png' });
  }),
);
vi.mock('../lib/redact.ts', async (original) => ({
  ...(await original<typeof Redact>()),
  redactToFile,
}));

afterEach(() => {
  cleanup();
  redactToFile.mockClear();
});

function FirstAttachment({ onClose }: { onClose: () => void }) {
  const key = useApp((s) => s.attachments[0]?.key);
  const ready = useApp((s) => Boolean(s.attachments[0]?.image));
  if (!key || !ready) return null;
  return <RedactDialog attachmentKey={key} label="Image 1" onClose={onClose} />;
}

async function dialog(onClose = () => undefined) {
  const view = renderWithServices(<FirstAttachment onClose={onClose} />);
  await act(async () => {
    await loadAll(view.store);
    view.store.getState().addFiles([pngFile('secret.png', 1920, 1080)], 'picker');
    await until(() => Boolean(view.store.getState().attachments[0]?.image), 'the stored image');
  });
  return view;
}

const selection = () => screen.getByTestId('region-selection');
const count = () => screen.getByTestId('redact-count').textContent;
const marks = () => screen.getByTestId('redact-marks').children;

describe('RedactDialog', () => {
  it('places boxes with the keys, undoes the last and clears them all', async () => {
    await dialog();
    expect(count()).toBe('Nothing blacked out yet');
    expect(screen.getByTestId('redact-apply')).toHaveProperty('disabled', true);
    expect(screen.getByTestId('redact-undo')).toHaveProperty('disabled', true);
    fireEvent.keyDown(selection(), { key: 'Enter' });
    fireEvent.keyDown(selection(), { key: 'ArrowRight' });
    fireEvent.keyDown(selection(), { key: 'Enter' });
    expect(count()).toBe('2 marks');
    const boxes = [...marks()].map((m) => ['x', 'y', 'width', 'height'].map((k) => m.getAttribute(k)));
    expect(boxes).toEqual([
      ['480', '270', '960', '540'],
      ['499', '270', '960', '540'],
    ]);
    fireEvent.click(screen.getByTestId('redact-undo'));
    expect(count()).toBe('1 mark');
    expect(marks()[0]?.getAttribute('x')).toBe('480');
    fireEvent.click(screen.getByTestId('redact-clear'));
    expect(count()).toBe('Nothing blacked out yet');
    expect(marks()).toHaveLength(0);
  });

  it('offers a brush with a size, and keeps the keyboard on the box tool', async () => {
    await dialog();
    const brush = screen.getByTestId('redact-tool-brush');
    fireEvent.click(brush);
    expect(brush.getAttribute('aria-checked')).toBe('true');
    const size = screen.getByLabelText(/Brush size/);
    expect(size.getAttribute('min')).toBe('4');
    fireEvent.change(size, { target: { value: '40' } });
    expect(screen.getByText('40 px')).toBeTruthy();
    expect(screen.getByTestId('redact-brush-stage')).toBeTruthy();
    expect(screen.getByText(/With the keyboard, use the Box tool/)).toBeTruthy();
    expect(screen.queryByTestId('region-selection')).toBeNull();
  });

  it('replaces the attachment with the redacted image and discards the original from the store', async () => {
    const onClose = vi.fn();
    const view = await dialog(onClose);
    const original = must(view.store.getState().attachments[0]?.image);
    fireEvent.keyDown(selection(), { key: 'Enter' });
    await act(async () => {
      fireEvent.click(screen.getByTestId('redact-apply'));
      await until(() => view.store.getState().attachments[0]?.status === 'ready', 'the redacted image');
      await until(() => !view.fake.images.has(original.sha256), 'the original discarded');
    });
    expect(onClose).toHaveBeenCalled();
    expect(redactToFile.mock.calls[0]?.[2]).toEqual([
      { kind: 'box', region: { x: 480, y: 270, width: 960, height: 540 } },
    ]);
    const [replaced, ...others] = view.store.getState().attachments;
    expect(others).toHaveLength(0);
    expect(replaced?.name).toBe('secret (redacted).png');
    expect(replaced?.image?.sha256).not.toBe(original.sha256);
    expect(replaced?.plans.high?.promptTokens).toBeGreaterThan(0);
    expect(view.fake.images.has(must(replaced?.image).sha256)).toBe(true);
  });

  it('keeps an original a sent message refers to', async () => {
    const view = await dialog();
    const original = must(view.store.getState().attachments[0]?.image);
    // The same image went out in an earlier question.
    view.fake.messages.set('m-earlier', {
      id: 'm-earlier',
      threadId: 't',
      parentId: null,
      role: 'user',
      parts: [{ type: 'image', image: original }],
      status: 'complete',
      createdAt: 0,
    } as never);
    fireEvent.keyDown(selection(), { key: 'Enter' });
    await act(async () => {
      fireEvent.click(screen.getByTestId('redact-apply'));
      await until(() => view.store.getState().attachments[0]?.status === 'ready', 'the redacted image');
    });
    expect(view.fake.images.has(original.sha256)).toBe(true);
    expect(view.store.getState().toasts.some((t) => t.tone === 'error')).toBe(false);
  });
});
