/**
 * "Lower the detail of earlier images", with a real engine on a model whose 400-token window holds one
 * High-detail image but not two: the estimate offers it exactly when it would make the prompt fit (counted by
 * the engine), the thread's choice makes the retried answer fit, its stats name the question lowered, the
 * history keeps each image's own detail, and undoing the choice sends the images as they are again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';

let h: Harness;

beforeAll(async () => {
  const dir = await testModelDir({
    family: 'smolvlm',
    size: 'tiny',
    dtype: 'fp32',
    seed: 1,
    contextLength: 400,
  });
  h = startHarness({ modelDirs: [dir] });
  await h.next('engine.status', (s) => s.state === 'ready');
});
afterAll(() => h.close());

const attach = async (seed: number) =>
  (await h.call('images.attach', { name: `shot-${seed}.png`, data: await noiseImage(320, 240, seed) })).image
    .sha256;
const question = (text: string, ...images: string[]) => [
  ...images.map((sha256) => ({ type: 'image', image: { sha256, detail: 'high' } })),
  { type: 'text', text },
];

describe('earlier images at Low detail', () => {
  it('is offered when it makes the prompt fit, makes the retry fit, and is recorded', async () => {
    const thread = await h.call('threads.create', {});
    const [a, b, c, d] = [await attach(1), await attach(2), await attach(3), await attach(4)];
    const first = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: question('What is this?', a),
    });
    const firstAnswer = await h.done(first.assistantMessage.id);
    expect(firstAnswer.status).toBe('complete');

    // The second High-detail image overflows; with the first at Low the prompt fits.
    const second = question('And this one?', b);
    const draft = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: firstAnswer.id,
      content: second,
    });
    expect(draft).toMatchObject({ exact: true, fits: false, contextLength: 400 });
    expect(draft.earlierAtLow?.fits).toBe(true);
    expect(draft.earlierAtLow?.promptTokens).toBeLessThan(400);

    const sent = await h.call('chat.send', {
      threadId: thread.id,
      parentId: firstAnswer.id,
      content: second,
    });
    const failed = await h.done(sent.assistantMessage.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('PROMPT_TOO_LONG');

    // The failed answer's question, counted as the renderer asks beside the error: the same offer.
    const again = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: firstAnswer.id,
      content: second,
    });
    expect(again.earlierAtLow).toEqual(draft.earlierAtLow);

    const updated = await h.call('threads.update', { id: thread.id, earlierImagesLow: true });
    expect(updated.earlierImagesLow).toBe(true);
    const from = h.events.length;
    await h.call('chat.retry', { messageId: failed.id });
    const retried = await h.done(failed.id, from);
    expect(retried.status).toBe('complete');
    expect(retried.stats?.lowered).toEqual([first.userMessage.id]);
    // The engine's prompt is the one the offer counted.
    expect(retried.stats?.promptTokens).toBe(draft.earlierAtLow?.promptTokens);
    // The history keeps what each image was attached as.
    const stored = h.store.getMessage(first.userMessage.id);
    expect(stored?.parts.find((p) => p.type === 'image')).toMatchObject({
      image: { sha256: a, detail: 'high' },
    });

    // With the choice on, the meter counts as a send will build it: nothing more to offer.
    const third = question('Compare them.');
    const next = await h.call('chat.estimate', { threadId: thread.id, parentId: retried.id, content: third });
    expect(next.fits).toBe(true);
    expect(next.earlierAtLow).toBeUndefined();

    // Two new High-detail images overflow even with every earlier one at Low: counted, so not offered.
    await h.call('threads.update', { id: thread.id, earlierImagesLow: false });
    const tooBig = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: retried.id,
      content: question('Both?', c, d),
    });
    expect(tooBig.fits).toBe(false);
    expect(tooBig.earlierAtLow?.fits).toBe(false);

    // Undone, the earlier images go as they are again: the follow-up does not fit.
    const undone = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: retried.id,
      content: third,
    });
    expect(undone.fits).toBe(false);
    expect(undone.earlierAtLow?.fits).toBe(true);
  });

  it('is offered from the quick estimate while the engine has no model loaded', async () => {
    const thread = await h.call('threads.create', {});
    const [a, b] = [await attach(5), await attach(6)];
    const first = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: question('One', a),
    });
    const answer = await h.done(first.assistantMessage.id);
    await h.engine.setTarget(null);
    const estimate = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: answer.id,
      content: question('Two', b),
    });
    expect(estimate).toMatchObject({ exact: false, fits: false, earlierAtLow: { fits: true } });
  });
});
