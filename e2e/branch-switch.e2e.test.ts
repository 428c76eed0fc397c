/**
 * Switching a question's version in a long conversation keeps the switcher just clicked where it was,
 * instead of jumping to the end of the conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession } from './harness.ts';

let session: Session;

const long = (n: number) =>
  `Answer ${n}.\n\n${'A paragraph of text that takes some room on the screen. '.repeat(40)}`;

beforeAll(async () => {
  const dir = await testModelDir({ seed: 1 });
  session = await openSession({
    modelDirs: [dir],
    seedStore: (store) => {
      const thread = store.createThread('Long conversation');
      const text = (t: string) => [{ type: 'text' as const, text: t }];
      const q1 = store.addMessage({
        threadId: thread.id,
        parentId: null,
        role: 'user',
        parts: text('First'),
        status: 'complete',
      });
      const a1 = store.addMessage({
        threadId: thread.id,
        parentId: q1.id,
        role: 'assistant',
        parts: text(long(1)),
        status: 'complete',
      });
      // Two versions of the second question, each with a long conversation after it.
      for (const version of ['Second, version A', 'Second, version B']) {
        let parent = store.addMessage({
          threadId: thread.id,
          parentId: a1.id,
          role: 'user',
          parts: text(version),
          status: 'complete',
        });
        for (let n = 2; n < 6; n++) {
          const answer = store.addMessage({
            threadId: thread.id,
            parentId: parent.id,
            role: 'assistant',
            parts: text(long(n)),
            status: 'complete',
          });
          parent = store.addMessage({
            threadId: thread.id,
            parentId: answer.id,
            role: 'user',
            parts: text(`Follow-up ${n}`),
            status: 'complete',
          });
        }
        store.addMessage({
          threadId: thread.id,
          parentId: parent.id,
          role: 'assistant',
          parts: text(long(9)),
          status: 'complete',
        });
      }
    },
  });
});
afterAll(() => session?.close());

describe('switching versions', () => {
  it('keeps the switcher in view', async () => {
    const { page } = session;
    await page.locator(byId('thread-open')).first().click();
    const switcher = page.locator(byId('branch-switcher')).first();
    await switcher.scrollIntoViewIfNeeded();
    const before = await switcher.boundingBox();
    await page.locator(byId('branch-previous')).first().click();
    await expect.poll(() => page.locator(byId('branch-position')).first().textContent()).toBe('1/2');
    await page.waitForTimeout(300);
    const after = await page.locator(byId('branch-switcher')).first().boundingBox();
    expect(before && after).toBeTruthy();
    expect(Math.abs((after?.y ?? 0) - (before?.y ?? 0))).toBeLessThan(40);
    expect(await page.locator(byId('branch-switcher')).first().isVisible()).toBe(true);
  });
});
