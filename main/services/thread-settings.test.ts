/**
 * A thread's own settings win over the defaults: the answer length (and top-p) reach the engine, and a
 * thread can leave out old turns while the default is to stop. A real engine and SQLite.
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

describe("a thread's own settings", () => {
  it('are kept, override the defaults, and go back to them with null', async () => {
    const thread = await h.call('threads.create', {});
    const updated = await h.call('threads.update', { id: thread.id, maxTokens: 3, topP: 0.5 });
    expect(updated).toMatchObject({ maxTokens: 3, topP: 0.5, contextOverflow: null });
    const sent = await h.call('chat.send', { threadId: thread.id, parentId: null, content: text('Hi') });
    expect((await h.done(sent.assistantMessage.id)).stats?.generatedTokens).toBe(3);

    await h.call('threads.update', { id: thread.id, maxTokens: null });
    const again = await h.call('chat.send', {
      threadId: thread.id,
      parentId: sent.assistantMessage.id,
      content: text('And?'),
    });
    expect((await h.done(again.assistantMessage.id)).stats?.generatedTokens).toBe(6); // the harness's default
    expect((await h.call('threads.get', { id: thread.id })).thread).toMatchObject({
      maxTokens: null,
      topP: 0.5,
    });
  });

  it('keep named presets in the settings, with unique names', async () => {
    const preset = {
      name: 'Terse',
      systemPrompt: 'Be brief.',
      temperature: 0.2,
      topP: null,
      maxTokens: 64,
      contextOverflow: null,
    };
    expect((await h.call('settings.update', { presets: [preset] })).presets).toEqual([preset]);
    expect((await h.call('settings.get', {})).presets).toEqual([preset]);
    expect((await h.fail('settings.update', { presets: [preset, preset] })).code).toBe('BAD_REQUEST');
    expect((await h.fail('settings.update', { presets: [{ ...preset, name: ' ' }] })).code).toBe(
      'BAD_REQUEST',
    );
    await h.call('settings.update', { presets: [] });
  });

  it('leave out old turns in a thread that says so while the default is to stop', async () => {
    const thread = await h.call('threads.create', {});
    await h.call('threads.update', { id: thread.id, contextOverflow: 'drop-oldest' });
    expect((await h.call('settings.get', {})).contextOverflow).toBe('stop');
    const probe = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: null,
      content: text('word '.repeat(100)),
    });
    const words = Math.round((100 * 750) / probe.promptTokens);
    let parentId: string | null = null;
    let last = null;
    for (let n = 1; n <= 3; n++) {
      const sent = await h.call('chat.send', {
        threadId: thread.id,
        parentId,
        content: text(`Question ${n}: ${'word '.repeat(words)}`),
      });
      last = await h.done(sent.assistantMessage.id);
      parentId = last.id;
    }
    expect(last?.status).toBe('complete');
    expect(last?.stats?.dropped).toHaveLength(2);
  });
});
