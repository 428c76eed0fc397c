import { describe, expect, it } from 'vitest';
import type { Draft, RequestInput, Result } from '../../app/ipc/contract.ts';
import type { FakeApiOptions } from '../testing/fake-api.ts';
import { createHarness, must, pngFile, settle, until } from '../testing/harness.ts';
import { bindDrafts } from './drafts.ts';
import { loadAll } from './store.ts';

const DELAY = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setup(options: FakeApiOptions = {}, threads = ['Receipts', 'Maps']) {
  const h = createHarness(options);
  for (const title of threads) await h.api['threads.create']({ title });
  const drafts = bindDrafts(h.api, h.store, DELAY);
  await loadAll(h.store);
  await settle();
  const saves = () =>
    h.fake.calls.filter((c) => c.name === 'drafts.save').map((c) => c.input as RequestInput<'drafts.save'>);
  return { ...h, drafts, saves };
}

describe('drafts', () => {
  it('saves typing once it pauses, as one save of the last text', async () => {
    const { store, saves } = await setup();
    const threadId = must(store.getState().currentThreadId);
    for (const text of ['W', 'Wh', 'What', 'What is', 'What is this?']) {
      store.getState().setDraft(text);
      await sleep(DELAY / 4);
    }
    expect(saves()).toEqual([]);
    await until(() => saves().length > 0, 'a save');
    await sleep(DELAY * 2);
    expect(saves()).toEqual([{ threadId, text: 'What is this?', images: [], videos: [] }]);
  });

  it('saves at once when an image is stored, removed, or its detail changes', async () => {
    const { store, fake, saves } = await setup();
    const threadId = must(store.getState().currentThreadId);
    store.getState().addFiles([pngFile('chart.png')], 'picker');
    await until(() => saves().length === 1, 'the save of the stored image');
    const card = must(store.getState().attachments[0]);
    const sha256 = must(card.image).sha256;
    expect(saves()[0]).toEqual({ threadId, text: '', images: [{ sha256, detail: 'high' }], videos: [] });

    void store.getState().setAttachmentDetail(card.key, 'low');
    expect(saves()[1]?.images).toEqual([{ sha256, detail: 'low' }]);
    await settle();
    expect(fake.drafts.get(threadId)?.images[0]).toMatchObject({ sha256, name: 'chart.png', detail: 'low' });

    store.getState().removeAttachment(card.key);
    expect(saves()[2]).toEqual({ threadId, text: '', images: [], videos: [] });
    await settle();
    expect(fake.drafts.has(threadId)).toBe(false);
  });

  it('keeps each thread’s draft: leaving one saves it, opening one restores it with its plans', async () => {
    const { store, fake } = await setup();
    const [first, second] = store.getState().threadList.map((t) => t.id);
    store.getState().setDraft('About the receipt');
    store.getState().addFiles([pngFile('receipt.png', 1200, 900)], 'paste');
    await until(() => store.getState().attachments[0]?.status === 'ready', 'the stored image');
    await store.getState().setAttachmentDetail(must(store.getState().attachments[0]).key, 'low');

    await store.getState().selectThread(must(second));
    expect(store.getState().draft).toBe('');
    expect(store.getState().attachments).toEqual([]);
    expect(fake.drafts.get(must(first))).toMatchObject({ text: 'About the receipt' });

    await store.getState().selectThread(must(first));
    await until(() => Object.keys(store.getState().attachments[0]?.plans ?? {}).length === 2, 'both plans');
    const state = store.getState();
    expect(state.draft).toBe('About the receipt');
    expect(state.attachments).toMatchObject([
      { name: 'Pasted image 1.png', status: 'ready', detail: 'low', plans: { low: { detail: 'low' } } },
    ]);
    expect(state.attachments[0]?.previewUrl).toMatch(/^blob:/);
  });

  it('never lets a late restore overwrite what the user has started typing', async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { store, fake } = await setup({
      handlers: {
        'drafts.get': async ({ threadId }): Promise<Result<Draft | null>> => {
          await slow;
          return {
            ok: true,
            value: { text: `saved in ${threadId}`, images: [], videos: [], droppedVideos: [], updatedAt: 1 },
          };
        },
      },
    });
    store.getState().setDraft('typed before the draft came');
    release();
    await settle();
    await sleep(DELAY * 2);
    expect(store.getState().draft).toBe('typed before the draft came');
    expect(fake.calls.some((c) => c.name === 'drafts.get')).toBe(true);
  });

  it('clears the thread’s draft when its question is sent', async () => {
    const { store, fake } = await setup();
    const threadId = must(store.getState().currentThreadId);
    store.getState().setDraft('Sent soon');
    await sleep(DELAY * 2);
    expect(fake.drafts.get(threadId)?.text).toBe('Sent soon');
    expect(await store.getState().send()).toBe(true);
    await settle();
    expect(fake.drafts.has(threadId)).toBe(false);
    expect(store.getState().draft).toBe('');
  });

  it('in an empty app, creates a thread for the first draft (one, even when Send races it)', async () => {
    const { store, fake } = await setup({}, []);
    expect(store.getState().currentThreadId).toBeNull();
    store.getState().setDraft('First question');
    await until(() => store.getState().currentThreadId !== null, 'a thread');
    const threadId = must(store.getState().currentThreadId);
    await until(() => fake.drafts.has(threadId), 'the saved draft');
    expect(store.getState().draft).toBe('First question');
    expect(fake.drafts.get(threadId)?.text).toBe('First question');
    expect(fake.threads.size).toBe(1);
  });

  it('saves a pending change at once when asked (the page is going away)', async () => {
    const { store, fake, drafts } = await setup();
    const threadId = must(store.getState().currentThreadId);
    store.getState().setDraft('Reloading now');
    drafts.flush();
    await settle();
    expect(fake.drafts.get(threadId)?.text).toBe('Reloading now');
  });
});
