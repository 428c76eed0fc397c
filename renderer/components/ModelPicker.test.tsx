// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAll } from '../state/store.ts';
import { FAKE_MODEL, fakeModel } from '../testing/fake/data.ts';
import { must, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { ModelPicker } from './ModelPicker.tsx';

afterEach(cleanup);

const QWEN = fakeModel({
  id: 'qwen',
  name: 'Qwen2-VL-2B-Instruct',
  family: 'qwen2_vl',
  bytes: 1_600_000_000,
  source: { repo: 'onnx-community/Qwen2-VL-2B-Instruct', commit: 'c0ffee', variant: 'q4f16' },
});
const BROKEN = fakeModel({
  id: 'broken',
  name: 'llava-onevision-tiny',
  family: 'llava-onevision',
  problem: 'onnx/decoder_model_merged.onnx is a Git LFS pointer.',
});

async function renderPicker() {
  const view = renderWithServices(<ModelPicker />, { models: [FAKE_MODEL, QWEN, BROKEN] });
  await act(async () => {
    await loadAll(view.store);
    await settle();
  });
  return view;
}

const chip = () => screen.getByTestId('model-chip');
const items = () => screen.getAllByRole('menuitemradio');

describe('ModelPicker', () => {
  it('is a menu button that opens with ArrowDown on the model in use', async () => {
    await renderPicker();
    expect(chip().textContent).toBe('SmolVLM 256M Instruct');
    expect(chip().getAttribute('aria-haspopup')).toBe('menu');
    expect(chip().getAttribute('aria-expanded')).toBe('false');
    fireEvent.keyDown(chip(), { key: 'ArrowDown' });
    expect(chip().getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('menu').id).toBe(chip().getAttribute('aria-controls'));
    expect(items().map((i) => i.getAttribute('aria-checked'))).toEqual(['true', 'false', 'false']);
    expect(document.activeElement).toBe(items()[0]);
  });

  it('lists each model with its family’s name, size and variant', async () => {
    await renderPicker();
    fireEvent.click(chip());
    expect(items().map((i) => i.textContent)).toEqual([
      '✓SmolVLM 256M InstructSmolVLM · 164 MB · q4',
      'Qwen2-VL-2B-InstructQwen2-VL · 1.5 GB · q4f16',
      'llava-onevision-tinyCannot run: onnx/decoder_model_merged.onnx is a Git LFS pointer.',
    ]);
  });

  it('moves with the arrows, Home and End (wrapping), and closes on Escape back to the chip', async () => {
    await renderPicker();
    fireEvent.keyDown(chip(), { key: 'ArrowUp' });
    const manage = screen.getByRole('menuitem', { name: 'Manage models…' });
    expect(document.activeElement).toBe(manage);
    fireEvent.keyDown(manage, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(items()[0]);
    fireEvent.keyDown(must(items()[0]), { key: 'ArrowUp' });
    expect(document.activeElement).toBe(manage);
    fireEvent.keyDown(manage, { key: 'Home' });
    expect(document.activeElement).toBe(items()[0]);
    fireEvent.keyDown(must(items()[0]), { key: 'End' });
    expect(document.activeElement).toBe(manage);
    fireEvent.keyDown(manage, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(chip());
  });

  it('chooses a model through settings.update and gives the focus back to the chip', async () => {
    const view = await renderPicker();
    fireEvent.keyDown(chip(), { key: 'ArrowDown' });
    fireEvent.keyDown(must(items()[0]), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(items()[1]);
    // A button's Enter is its click.
    await act(async () => {
      fireEvent.click(must(items()[1]));
      await settle();
    });
    expect(view.fake.calls.filter((c) => c.name === 'settings.update').map((c) => c.input)).toEqual([
      { activeModelId: 'qwen' },
    ]);
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(chip());
    await until(() => chip().textContent === 'Qwen2-VL-2B-Instruct', 'the chip names the new model');
    fireEvent.click(chip());
    expect(items().map((i) => i.getAttribute('aria-checked'))).toEqual(['false', 'true', 'false']);
  });

  it('shows a model with a problem disabled, with its reason, and never chooses it', async () => {
    const view = await renderPicker();
    fireEvent.click(chip());
    const broken = must(items()[2]);
    expect(broken.getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByTestId('model-picker-problem').textContent).toMatch(/^Cannot run: .*Git LFS pointer/);
    await act(async () => {
      fireEvent.click(broken);
      await settle();
    });
    expect(view.fake.calls.some((c) => c.name === 'settings.update')).toBe(false);
    expect(screen.getByRole('menu')).toBeTruthy();
  });

  it('opens the Models page from “Manage models…”', async () => {
    const view = await renderPicker();
    fireEvent.click(chip());
    fireEvent.click(screen.getByRole('menuitem', { name: 'Manage models…' }));
    expect(view.store.getState().dialog).toEqual({ kind: 'models' });
    expect(screen.queryByRole('menu')).toBeNull();
  });
});
