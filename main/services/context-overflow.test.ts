/**
 * A conversation that outgrows the context window, with a real engine: under `stop` the answer fails with
 * PROMPT_TOO_LONG as before; under `drop-oldest` and `drop-middle` the engine gets the conversation without
 * the turns the setting leaves out (counted with the model's tokenizer), and the answer's stats name them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const text = (t: string) => [{ type: 'text', text: t }];

describe('context overflow', () => {
  it('stops, drops the oldest turns, or keeps the first turn, as the setting says', async () => {
    const thread = await h.call('threads.create', {});
    // A question of about 750 tokens: three of them (with answers) overflow the 2,048-token window.
    const probe = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: null,
      content: text('word '.repeat(100)),
    });
    const words = Math.round((100 * 750) / probe.promptTokens);
    const ask = async (parentId: string | null, n: number) => {
      const sent = await h.call('chat.send', {
        threadId: thread.id,
        parentId,
        content: text(`Question ${n}: ${'word '.repeat(words)}`),
      });
      return { question: sent.userMessage, answer: await h.done(sent.assistantMessage.id) };
    };
    const first = await ask(null, 1);
    expect(first.answer.error).toBeNull();
    const second = await ask(first.answer.id, 2);
    expect(second.answer.error).toBeNull();
    expect(second.answer.status).toBe('complete');

    // stop (the default): the third question does not fit, and says so.
    const third = await ask(second.answer.id, 3);
    expect(third.answer.status).toBe('failed');
    expect(third.answer.error?.code).toBe('PROMPT_TOO_LONG');

    // drop-oldest: retried, the first turn is left out and named.
    const updated = await h.call('settings.update', { contextOverflow: 'drop-oldest' });
    expect(updated.contextOverflow).toBe('drop-oldest');
    expect((await h.call('settings.get', {})).contextOverflow).toBe('drop-oldest');
    const from = h.events.length; // retried in place: the same message id, a new answer.done
    const retried = await h.call('chat.retry', { messageId: third.answer.id });
    const oldest = await h.done(retried.assistantMessage.id, from);
    expect(oldest.error).toBeNull();
    expect(oldest.status).toBe('complete');
    expect(oldest.stats?.dropped).toEqual([first.question.id, first.answer.id]);
    expect(oldest.stats?.promptTokens).toBeLessThan(2048);

    // drop-middle: regenerated, the first turn stays and the second goes.
    await h.call('settings.update', { contextOverflow: 'drop-middle' });
    const regenerated = await h.call('chat.regenerate', { messageId: oldest.id });
    const middle = await h.done(regenerated.assistantMessage.id);
    expect(middle.status).toBe('complete');
    expect(middle.stats?.dropped).toEqual([second.question.id, second.answer.id]);
  });
});
