// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAll } from '../state/store.ts';
import { settle } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';

afterEach(cleanup);

async function withThread() {
  const view = renderWithServices(<SettingsDialog onClose={() => {}} />);
  await act(async () => {
    await loadAll(view.store);
    const thread = await view.store.getState().newThread();
    await view.store.getState().selectThread(thread?.id ?? null);
    await settle();
  });
  return view;
}

const calls = (view: Awaited<ReturnType<typeof withThread>>, name: string) =>
  view.fake.calls.filter((c) => c.name === name).map((c) => c.input as Record<string, unknown>);

describe('thread presets', () => {
  it("saves the thread's settings under a name, applies a preset to the thread, and deletes it", async () => {
    const view = await withThread();
    await act(async () => {
      fireEvent.change(screen.getByTestId('thread-context-overflow'), { target: { value: 'drop-middle' } });
      await settle();
      fireEvent.change(screen.getByTestId('preset-name'), { target: { value: 'Long chats' } });
      fireEvent.click(screen.getByTestId('preset-save'));
      await settle();
    });
    expect(calls(view, 'settings.update').at(-1)).toEqual({
      presets: [
        {
          name: 'Long chats',
          systemPrompt: null,
          temperature: null,
          topP: null,
          maxTokens: null,
          contextOverflow: 'drop-middle',
        },
      ],
    });

    // Another thread picks it: the preset's values become that thread's own.
    await act(async () => {
      const other = await view.store.getState().newThread();
      await view.store.getState().selectThread(other?.id ?? null);
      await settle();
    });
    await act(async () => {
      fireEvent.change(screen.getByTestId('preset-select'), { target: { value: 'Long chats' } });
      await settle();
    });
    expect(calls(view, 'threads.update').at(-1)).toMatchObject({
      contextOverflow: 'drop-middle',
      maxTokens: null,
    });
    expect(view.store.getState().current?.thread.contextOverflow).toBe('drop-middle');

    await act(async () => {
      fireEvent.click(screen.getByTestId('preset-delete'));
      await settle();
    });
    expect(calls(view, 'settings.update').at(-1)).toEqual({ presets: [] });
  });
});

describe("the thread's earlier images", () => {
  it('sends earlier images at Low detail when chosen, and at their own detail again when not', async () => {
    const view = await withThread();
    const box = () => screen.getByTestId('thread-earlier-images-low') as HTMLInputElement;
    expect(box().checked).toBe(false);
    await act(async () => {
      fireEvent.click(box());
      await settle();
    });
    expect(calls(view, 'threads.update').at(-1)).toMatchObject({ earlierImagesLow: true });
    expect(box().checked).toBe(true);
    await act(async () => {
      fireEvent.click(box());
      await settle();
    });
    expect(calls(view, 'threads.update').at(-1)).toMatchObject({ earlierImagesLow: false });
    expect(box().checked).toBe(false);
  });
});

describe('redaction before attaching', () => {
  it('is off by default and saved with the settings when turned on or off', async () => {
    const view = await withThread();
    const box = () => screen.getByRole('checkbox', { name: 'Redact new images before attaching them' });
    expect((box() as HTMLInputElement).checked).toBe(false);
    await act(async () => {
      fireEvent.click(box());
      await settle();
    });
    expect(calls(view, 'settings.update').at(-1)).toEqual({ redactBeforeAttach: true });
    expect(view.fake.settings.redactBeforeAttach).toBe(true);
    expect((box() as HTMLInputElement).checked).toBe(true);
    await act(async () => {
      fireEvent.click(box());
      await settle();
    });
    expect(calls(view, 'settings.update').at(-1)).toEqual({ redactBeforeAttach: false });
    expect((box() as HTMLInputElement).checked).toBe(false);
  });
});
