/**
 * The services with a real engine process and a model whose chat template never finishes rendering: the
 * answer fails with the file named, the model is marked unusable (listed with the reason, not loaded again),
 * another model keeps working, stop always ends an answer, and shutdown never waits for the stuck engine.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelCopy, withLoopingTemplate } from '../../models/testing/hostile-models.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { modelId } from './models.ts';
import { startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';

let root: string;
let looping: string;
let good: string;

beforeAll(async () => {
  const base = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  root = mkdtempSync(join(tmpdir(), 'tessera-watchdog-'));
  looping = withLoopingTemplate(modelCopy(base, root));
  good = join(root, 'good');
  symlinkSync(base, good, 'dir');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hello = [{ type: 'text', text: 'hello' }];

async function ask(h: Harness, threadId: string) {
  const sent = await h.call('chat.send', { threadId, parentId: null, content: hello });
  return sent.assistantMessage.id;
}

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a model whose chat template never finishes', () => {
  it('fails the answer naming the file, is marked unusable, and leaves other models working', async () => {
    const h = startHarness({ modelDirs: [root], deadlines: { template: 1_500 } });
    try {
      const thread = await h.call('threads.create', {});
      await h.call('settings.update', { activeModelId: modelId(looping) });
      const first = await h.done(await ask(h, thread.id));
      expect(first.status).toBe('failed');
      expect(first.error?.code).toBe('ENGINE_HUNG');
      expect(first.error?.message).toContain(join(looping, 'chat_template.jinja'));

      // Not loaded again: the next answer fails at once with the reason.
      const started = Date.now();
      const second = await h.done(await ask(h, thread.id));
      expect(second.error).toMatchObject({ code: 'MODEL_UNUSABLE' });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await h.call('engine.status', {})).toMatchObject({
        state: 'stopped',
        error: { code: 'MODEL_UNUSABLE' },
      });
      // The model lists say why (Settings and the Models page show `problem`).
      await h.next('models.changed');
      const listed = (await h.call('models.list', {})).find((m) => m.dir === looping);
      expect(listed?.problem).toContain('rendering the chat template');

      // Another model answers.
      await h.call('settings.update', { activeModelId: modelId(good) });
      const third = await h.done(await ask(h, thread.id));
      expect(third.status).toBe('complete');
    } finally {
      await h.close();
    }
  });

  it('stops an answer waiting on the stuck load, switches without waiting for it, and shuts down', async () => {
    // The default deadline (15 s) is left as it is: nothing below may wait for it.
    const h = startHarness({ modelDirs: [root] });
    try {
      const thread = await h.call('threads.create', {});
      await h.call('settings.update', { activeModelId: modelId(looping) });
      const waiting = await ask(h, thread.id);
      await new Promise((r) => setTimeout(r, 500));
      const stopAt = Date.now();
      expect(await h.call('chat.stop', { messageId: waiting })).toBe(true);
      expect((await h.done(waiting)).status).toBe('stopped');
      expect(Date.now() - stopAt).toBeLessThan(2_000);

      const switchAt = Date.now();
      await h.call('settings.update', { activeModelId: modelId(good) });
      const answer = await h.done(await ask(h, thread.id));
      expect(answer.status).toBe('complete');
      expect(Date.now() - switchAt).toBeLessThan(12_000);

      // Stuck again, then quit: shutdown does not wait for the engine.
      await h.call('settings.update', { activeModelId: modelId(looping) });
      const stuck = await ask(h, thread.id);
      await new Promise((r) => setTimeout(r, 500));
      const pid = h.engine.pid;
      expect(alive(pid)).toBe(true);
      const closeAt = Date.now();
      await h.close();
      expect(Date.now() - closeAt).toBeLessThan(8_000);
      expect(alive(pid)).toBe(false);
      expect((await h.done(stuck)).status).toBe('interrupted');
    } catch (error) {
      await h.close();
      throw error;
    }
  });
});
