/**
 * The composer's meter counts with the model's own tokenizer and chat template: with the engine ready, the
 * estimate for a draft equals the prompt the engine then builds when the draft is sent, for a first question
 * with an image and for a follow-up (whose answer enters the prompt as the model's own token ids).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';

let h: Harness;

beforeAll(async () => {
  const dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  h = startHarness({ modelDirs: [dir] });
  await h.next('engine.status', (s) => s.state === 'ready');
});
afterAll(() => h.close());

describe('chat.estimate', () => {
  it("equals the engine's prompt length for the same draft, first question and follow-up", async () => {
    const thread = await h.call('threads.create', {});
    const image = await h.call('images.attach', { name: 'shot.png', data: await noiseImage(300, 200, 7) });
    const content = [
      { type: 'image', image: { sha256: image.image.sha256, detail: 'high' } },
      { type: 'text', text: 'What does this error mean? It says "ENOENT: no such file or directory".' },
    ];
    const first = await h.call('chat.estimate', { threadId: thread.id, parentId: null, content });
    expect(first.exact).toBe(true);
    const sent = await h.call('chat.send', { threadId: thread.id, parentId: null, content });
    const answer = await h.done(sent.assistantMessage.id);
    expect(answer.stats?.promptTokens).toBe(first.promptTokens);

    const followUp = [{ type: 'text', text: 'And how do I fix it — in three steps?' }];
    const second = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: answer.id,
      content: followUp,
    });
    expect(second.exact).toBe(true);
    const next = await h.call('chat.send', { threadId: thread.id, parentId: answer.id, content: followUp });
    expect((await h.done(next.assistantMessage.id)).stats?.promptTokens).toBe(second.promptTokens);
  });

  it('says it is an estimate while the engine has no model loaded', async () => {
    const thread = await h.call('threads.create', {});
    await h.engine.setTarget(null);
    const estimate = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: null,
      content: [{ type: 'text', text: 'hello' }],
    });
    expect(estimate.exact).toBe(false);
    expect(estimate.promptTokens).toBeGreaterThan(0);
  });
});
