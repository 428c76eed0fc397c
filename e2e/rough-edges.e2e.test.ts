/**
 * Small things from the walkthrough, in Chromium through `tessera serve`: search results as plain text with
 * the match marked, a pasted PDF named for what it is, and the drop overlay over the whole window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage } from './harness.ts';

let session: Session;

beforeAll(async () => {
  const dir = await testModelDir({ seed: 1 });
  session = await openSession({
    modelDirs: [dir],
    seedStore: (store) => {
      const thread = store.createThread('Deploying');
      const text = (t: string) => [{ type: 'text' as const, text: t }];
      const q = store.addMessage({
        threadId: thread.id,
        parentId: null,
        role: 'user',
        parts: text('Why does my **Kubernetes** pod restart?'),
        status: 'complete',
      });
      store.addMessage({
        threadId: thread.id,
        parentId: q.id,
        role: 'assistant',
        parts: text('Check the `liveness` probe.'),
        status: 'complete',
      });
    },
  });
});
afterAll(() => session?.close());

describe('rough edges', () => {
  it('shows search results as plain text with the match marked', async () => {
    const { page } = session;
    await page.locator(byId('thread-search')).fill('kubernetes');
    const snippet = page.locator(byId('thread-snippet')).first();
    await expect.poll(() => snippet.locator('mark').first().textContent()).toBe('Kubernetes');
    expect(await snippet.textContent()).not.toContain('**');
    await page.locator(byId('thread-search')).fill('');
  });

  it('names a pasted PDF for what it is, and says it is not an image', async () => {
    const { page } = session;
    await pasteImage(
      page,
      byId('composer-input'),
      new TextEncoder().encode('%PDF-1.7 not an image'),
      'application/pdf',
    );
    const item = page.locator(byId('attachment-item')).last();
    await expect.poll(() => item.getAttribute('aria-label')).toContain('Pasted file 1.pdf');
    await expect.poll(() => page.locator(byId('attachment-error')).textContent()).toMatch(/not an image/i);
  });

  it('shows the drop overlay over the whole window while files are dragged anywhere', async () => {
    const { page } = session;
    const transfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'shot.png', { type: 'image/png' }));
      return dt;
    });
    await page.dispatchEvent(byId('thread-title'), 'dragenter', { dataTransfer: transfer });
    const overlay = page.locator(byId('drop-overlay'));
    await overlay.waitFor();
    const box = await overlay.boundingBox();
    const viewport = page.viewportSize();
    expect(box?.width).toBeGreaterThanOrEqual((viewport?.width ?? 0) - 2);
    await page.dispatchEvent(byId('thread-title'), 'dragleave', { dataTransfer: transfer });
    await overlay.waitFor({ state: 'detached' });
  });
});
