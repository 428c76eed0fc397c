/**
 * drafts.* through dispatch, over a real SQLite store and a real engine on the generated tiny model: a draft's
 * images are described by the image store, deleted threads hide their drafts until restored, a send clears
 * the thread's draft, and an engine killed with SIGKILL takes no draft with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DRAFT_VIDEOS } from '../../app/ipc/contract.ts';
import type { AttachResult, Thread } from '../../app/ipc/contract.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';

describe('drafts', () => {
  let h: Harness;
  let thread: Thread;
  let image: AttachResult;

  beforeAll(async () => {
    const modelDir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
    h = startHarness({ modelDirs: [modelDir] });
    thread = await h.call('threads.create', { title: 'Receipts' });
    image = await h.call('images.attach', { name: 'receipt.png', data: await noiseImage(120, 90, 2) });
  });
  afterAll(() => h.close());

  it('saves text and images by hash with their detail; the store describes the images', async () => {
    expect(await h.call('drafts.get', { threadId: thread.id })).toBeNull();
    const { sha256 } = image.image;
    const saved = await h.call('drafts.save', {
      threadId: thread.id,
      text: 'What is the total?',
      images: [{ sha256, detail: 'low' }],
    });
    expect(saved).toEqual({
      text: 'What is the total?',
      images: [{ sha256, name: 'receipt.png', mime: 'image/png', width: 120, height: 90, detail: 'low' }],
      videos: [],
      droppedVideos: [],
      updatedAt: expect.any(Number),
    });
    expect(await h.call('drafts.get', { threadId: thread.id })).toEqual(saved);
    // Nothing left: cleared.
    expect(await h.call('drafts.save', { threadId: thread.id, text: '', images: [] })).toBeNull();
    expect(await h.call('drafts.get', { threadId: thread.id })).toBeNull();
  });

  it('keeps a video by its stored frames; they count as referenced, so images.discard refuses them', async () => {
    const frame = await h.call('images.attach', {
      name: 'clip.webm frame 1.png',
      data: await noiseImage(64, 48, 3),
      videoFrame: true,
    });
    const { sha256 } = frame.image;
    const clip = {
      name: 'clip.webm',
      source: { size: { width: 64, height: 48 }, totalFrames: 60, frameRate: 30 },
      sampling: { fps: 1 },
      start: 0,
      durationSeconds: 2,
      clipSeconds: 2,
      frames: [{ sha256, seconds: 0 }],
    };
    const saved = await h.call('drafts.save', { threadId: thread.id, text: '', images: [], videos: [clip] });
    expect(saved).toMatchObject({ text: '', images: [], videos: [clip], droppedVideos: [] });
    expect(await h.call('drafts.get', { threadId: thread.id })).toEqual(saved);
    expect(await h.fail('images.discard', { sha256 })).toMatchObject({ code: 'CONFLICT' });

    const unknownFrame = { ...clip, frames: [{ sha256: 'b'.repeat(64), seconds: 0 }] };
    expect(
      await h.fail('drafts.save', { threadId: thread.id, text: 'x', images: [], videos: [unknownFrame] }),
    ).toMatchObject({ code: 'NOT_FOUND' });
    for (const videos of [
      Array.from({ length: MAX_DRAFT_VIDEOS + 1 }, () => clip),
      [{ ...clip, frames: [] }],
      [{ ...clip, clipSeconds: -1 }],
      [{ ...clip, name: '' }],
    ]) {
      expect(
        await h.fail('drafts.save', { threadId: thread.id, text: 'x', images: [], videos }),
      ).toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    expect((await h.call('drafts.get', { threadId: thread.id }))?.videos).toEqual([clip]);
    expect(await h.call('drafts.save', { threadId: thread.id, text: '', images: [], videos: [] })).toBeNull();
  });

  it('refuses unknown images, unknown threads and oversized drafts, keeping the draft', async () => {
    await h.call('drafts.save', { threadId: thread.id, text: 'kept', images: [] });
    const unknown = { sha256: 'a'.repeat(64), detail: 'high' };
    const image = (n: number) => Array.from({ length: n }, () => unknown);
    expect(await h.fail('drafts.save', { threadId: thread.id, text: 'x', images: [unknown] })).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await h.fail('drafts.save', { threadId: 'nope', text: 'x', images: [] })).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await h.fail('drafts.get', { threadId: 'nope' })).toMatchObject({ code: 'NOT_FOUND' });
    for (const input of [
      { threadId: thread.id, text: 'x'.repeat(200_001), images: [] },
      { threadId: thread.id, text: 'x', images: image(65) },
      { threadId: thread.id, text: 'x', images: [{ sha256: 'not-a-hash', detail: 'high' }] },
      { threadId: thread.id, text: 'x', images: [{ ...unknown, detail: 'medium' }] },
    ]) {
      expect(await h.fail('drafts.save', input)).toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect((await h.call('drafts.get', { threadId: thread.id }))?.text).toBe('kept');
  });

  it('hides a deleted thread’s draft and brings it back with the thread', async () => {
    const other = await h.call('threads.create', {});
    await h.call('drafts.save', { threadId: other.id, text: 'half a question', images: [] });
    await h.call('threads.delete', { id: other.id });
    expect(await h.fail('drafts.get', { threadId: other.id })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.fail('drafts.save', { threadId: other.id, text: 'x', images: [] })).toMatchObject({
      code: 'NOT_FOUND',
    });
    await h.call('threads.restore', { id: other.id });
    expect((await h.call('drafts.get', { threadId: other.id }))?.text).toBe('half a question');
  });

  it('keeps the draft when the engine is killed, and clears it when the question is sent', async () => {
    await h.next('engine.status', (s) => s.state === 'ready');
    const { sha256 } = image.image;
    await h.call('drafts.save', {
      threadId: thread.id,
      text: 'Describe it',
      images: [{ sha256, detail: 'high' }],
    });
    const pid = h.engine.pid as number;
    process.kill(pid, 'SIGKILL');
    await h.next('engine.status', (s) => s.state === 'ready' && s.restarts === 1);
    const draft = await h.call('drafts.get', { threadId: thread.id });
    expect(draft).toMatchObject({ text: 'Describe it', images: [{ sha256, detail: 'high' }] });

    const from = h.events.length;
    const sent = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: [
        { type: 'image', image: { sha256, detail: 'high' } },
        { type: 'text', text: 'Describe it' },
      ],
    });
    expect(await h.call('drafts.get', { threadId: thread.id })).toBeNull();
    expect((await h.done(sent.assistantMessage.id, from)).status).toBe('complete');
  });
});
