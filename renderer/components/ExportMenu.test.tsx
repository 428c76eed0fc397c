// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadAll } from '../state/store.ts';
import { must, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import type { FakeApiOptions } from '../testing/fake-api.ts';
import { ExportMenu } from './ExportMenu.tsx';
import { Toasts } from './Toasts.tsx';

const created: Blob[] = [];
const revoked: string[] = [];
const clicked: Array<{ href: string; download: string; attached: boolean }> = [];
const { createObjectURL, revokeObjectURL } = URL;

beforeEach(() => {
  // jsdom has no object URLs and no downloads: record them instead.
  Object.assign(URL, {
    createObjectURL: (blob: Blob) => {
      created.push(blob);
      return `blob:test/${created.length}`;
    },
    revokeObjectURL: (url: string) => void revoked.push(url),
  });
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ href: this.href, download: this.download, attached: this.isConnected });
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  Object.assign(URL, { createObjectURL, revokeObjectURL });
  created.length = 0;
  revoked.length = 0;
  clicked.length = 0;
});

/** jsdom's Blob has no text(); its FileReader reads one. */
function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

async function withThread(options: FakeApiOptions = {}) {
  const view = renderWithServices(
    <>
      <ExportMenu />
      <Toasts />
    </>,
    options,
  );
  const thread = await view.api['threads.create']({ title: 'Login error' });
  await act(async () => {
    await loadAll(view.store);
    await settle();
  });
  return { ...view, threadId: thread.ok ? thread.value.id : '' };
}

async function choose(testId: string) {
  fireEvent.click(screen.getByTestId('export-menu'));
  await act(async () => {
    fireEvent.click(screen.getByTestId(testId));
    await settle();
  });
}

describe('ExportMenu', () => {
  it('is disabled while no thread is open', () => {
    renderWithServices(<ExportMenu />);
    expect((screen.getByTestId('export-menu') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('offers Markdown, JSON and a web page, keyboard included', async () => {
    await withThread();
    const button = screen.getByRole('button', { name: 'Export thread' });
    expect(button.getAttribute('aria-haspopup')).toBe('menu');
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const items = screen.getAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual(['Markdown', 'JSON', 'Web page (HTML)']);
    expect(document.activeElement).toBe(items[0]);
    fireEvent.keyDown(must(items[0]), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByRole('menuitem', { name: 'JSON' }));
    fireEvent.keyDown(must(items[1]), { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it.each([
    ['export-markdown', 'markdown', 'text/markdown', 'login-error.md'],
    ['export-json', 'json', 'application/json', 'login-error.json'],
    ['export-html', 'html', 'text/html', 'login-error.html'],
  ] as const)('%s exports the open thread and downloads it', async (testId, format, type, filename) => {
    const content =
      format === 'json'
        ? '{"format":"tessera-thread"}\n'
        : format === 'html'
          ? '<!doctype html>\n'
          : '# Login error\n';
    const view = await withThread({
      handlers: { 'threads.export': () => ({ ok: true, value: { filename, content } }) },
    });
    await choose(testId);

    const call = view.fake.calls.find((c) => c.name === 'threads.export');
    expect(call?.input).toEqual({ id: view.threadId, format });
    expect(created).toHaveLength(1);
    expect(created[0]?.type).toBe(type);
    expect(await readText(must(created[0]))).toBe(content);
    expect(clicked).toEqual([{ href: 'blob:test/1', download: filename, attached: true }]);
    // The link is gone and the URL let go.
    expect(document.querySelector('a[download]')).toBeNull();
    await until(() => revoked.length > 0, 'the URL revoked');
    expect(revoked).toEqual(['blob:test/1']);
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('reports a failed export in a toast and downloads nothing', async () => {
    await withThread({
      handlers: {
        'threads.export': () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'No such thread.' } }),
      },
    });
    await choose('export-markdown');
    expect(screen.getByTestId('toast').textContent).toContain('Could not export: No such thread.');
    expect(clicked).toHaveLength(0);
    expect(created).toHaveLength(0);
  });
});
