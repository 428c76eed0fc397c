import { describe, expect, it } from 'vitest';
import type { GenerationStats } from '../../app/chat.ts';
import type { ImageRef, Message, Thread } from '../../app/ipc/contract.ts';
import { slugify } from './export.ts';
import { tempStore, tickingClock } from './testing/temp.ts';
import type { Store } from './types.ts';

const png = new Uint8Array([137, 80, 78, 71, 0, 1, 2, 3, 250]);

function conversation(store: Store) {
  const { sha256 } = store.putImage(png, { name: 'dock [1].png', mime: 'image/png', width: 2, height: 3 });
  const image: ImageRef = {
    sha256,
    name: 'dock [1].png',
    mime: 'image/png',
    width: 2,
    height: 3,
    detail: 'high',
  };
  const t = store.createThread('Boats: a survey!').id;
  const add = (parentId: string | null, role: 'user' | 'assistant', text: string, withImage = false) =>
    store.addMessage({
      threadId: t,
      parentId,
      role,
      parts: withImage
        ? [
            { type: 'text', text },
            { type: 'image', image },
          ]
        : [{ type: 'text', text }],
      status: 'complete',
    });
  const q = add(null, 'user', 'What is moored here?', true);
  const old = add(q.id, 'assistant', 'An old answer.');
  const a = add(q.id, 'assistant', 'A **red** boat.');
  const q2 = add(a.id, 'user', 'And behind it?');
  const a2 = store.addMessage({
    threadId: t,
    parentId: q2.id,
    role: 'assistant',
    parts: [],
    status: 'streaming',
  });
  store.appendText(a2.id, 'Half a');
  store.finishMessage(a2.id, { status: 'stopped' });
  return { t, sha256, old, ids: [q.id, old.id, a.id, q2.id, a2.id] };
}

describe('Markdown export', () => {
  it('writes the current branch, self-contained', () => {
    const { store } = tempStore({ now: tickingClock() });
    const { t } = conversation(store);
    const { filename, content } = store.exportMarkdown(t);
    expect(filename).toBe('boats-a-survey.md');
    const dataUri = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    expect(content).toBe(
      [
        '# Boats: a survey!',
        '**You**',
        'What is moored here?',
        `![dock \\[1\\].png](${dataUri})`,
        '**Assistant**',
        'A **red** boat.',
        '**You**',
        'And behind it?',
        '**Assistant**',
        'Half a',
        '*(Stopped.)*',
      ].join('\n\n') + '\n',
    );
  });

  it('follows a switched branch', () => {
    const { store } = tempStore({ now: tickingClock() });
    const { t, old } = conversation(store);
    store.setCurrentLeaf(t, old.id);
    const { content } = store.exportMarkdown(t);
    expect(content).toContain('An old answer.');
    expect(content).not.toContain('A **red** boat.');
    expect(content).not.toContain('And behind it?');
  });

  it('exports an empty, untitled thread', () => {
    const { store } = tempStore();
    const t = store.createThread().id;
    expect(store.exportMarkdown(t)).toEqual({ filename: 'untitled-chat.md', content: '# Untitled chat\n' });
  });
});

describe('JSON export', () => {
  it('holds every branch, the thread, and each image once with its bytes', () => {
    const { store } = tempStore({ now: tickingClock() });
    const { t, sha256, ids } = conversation(store);
    const { filename, content } = store.exportJson(t);
    expect(filename).toBe('boats-a-survey.json');
    const doc = JSON.parse(content) as {
      format: string;
      version: number;
      exportedAt: number;
      thread: Thread;
      messages: Message[];
      images: Record<
        string,
        { name: string; mime: string; width: number; height: number; bytes: number; data: string }
      >;
    };
    expect(doc.format).toBe('tessera-thread');
    expect(doc.version).toBe(1);
    expect(typeof doc.exportedAt).toBe('number');
    expect(doc.thread).toEqual(store.getThread(t)?.thread);
    expect(doc.messages).toEqual(store.getThread(t)?.messages);
    expect(doc.messages.map((m) => m.id)).toEqual(ids);
    expect(Object.keys(doc.images)).toEqual([sha256]);
    const image = doc.images[sha256];
    expect(image).toMatchObject({
      sha256,
      name: 'dock [1].png',
      mime: 'image/png',
      width: 2,
      height: 3,
      bytes: png.length,
    });
    expect(new Uint8Array(Buffer.from(image?.data ?? '', 'base64'))).toEqual(png);
  });
});

/** Stats of an answer written by `model` (decoder dtype q4), or by an unnamed model as stored before. */
function statsBy(model?: { id: string; name: string; family: string }): GenerationStats {
  const placement = { provider: 'cpu', dtype: 'q4' };
  return {
    promptTokens: 10,
    cachedTokens: 0,
    generatedTokens: 3,
    imagesEncoded: 0,
    imagesFromCache: 0,
    preprocessMs: 0,
    visionEncodeMs: 0,
    prefillMs: 1,
    timeToFirstTokenMs: 1,
    decodeTokensPerSecond: 30,
    overheadMsPerToken: 0,
    providers: { vision: placement, embed: placement, decoder: placement },
    ...(model ? { model } : {}),
  };
}

describe('the model that wrote each answer', () => {
  function mixedThread(store: Store) {
    const t = store.createThread('Two models').id;
    let parentId: string | null = null;
    const answers: Array<[string, GenerationStats]> = [
      ['From SmolVLM.', statsBy({ id: 'a', name: 'SmolVLM-256M-Instruct', family: 'smolvlm' })],
      ['From LLaVA.', statsBy({ id: 'b', name: 'my_llava*', family: 'llava-onevision' })],
      ['From before.', statsBy()],
    ];
    for (const [text, stats] of answers) {
      const q = store.addMessage({
        threadId: t,
        parentId,
        role: 'user',
        parts: [{ type: 'text', text: 'Hi' }],
        status: 'complete',
      });
      const a = store.addMessage({
        threadId: t,
        parentId: q.id,
        role: 'assistant',
        parts: [],
        status: 'streaming',
      });
      store.appendText(a.id, text);
      store.finishMessage(a.id, { status: 'complete', stats });
      parentId = a.id;
    }
    return t;
  }

  it('is named in the Markdown heading of each answer (escaped), and not for older answers', () => {
    const { store } = tempStore({ now: tickingClock() });
    const headings = store
      .exportMarkdown(mixedThread(store))
      .content.split('\n\n')
      .filter((block) => block.startsWith('**Assistant**'));
    expect(headings).toEqual([
      '**Assistant** · SmolVLM-256M-Instruct (SmolVLM, q4)',
      '**Assistant** · my\\_llava\\* (LLaVA-OneVision, q4)',
      '**Assistant**',
    ]);
  });

  it('is kept in the JSON export’s stats', () => {
    const { store } = tempStore({ now: tickingClock() });
    const doc = JSON.parse(store.exportJson(mixedThread(store)).content) as { messages: Message[] };
    const models = doc.messages
      .filter((m) => m.role === 'assistant')
      .map((m) => m.stats?.model?.name ?? null);
    expect(models).toEqual(['SmolVLM-256M-Instruct', 'my_llava*', null]);
  });
});

describe('earlier images sent at Low detail', () => {
  it('keeps each image as attached and says which answer got them at Low', () => {
    const { store } = tempStore({ now: tickingClock() });
    const { t, sha256, ids } = conversation(store);
    const [first, , , second] = ids as [string, string, string, string, string];
    const a = store.addMessage({
      threadId: t,
      parentId: second,
      role: 'assistant',
      parts: [],
      status: 'streaming',
    });
    store.appendText(a.id, 'A blue one.');
    store.finishMessage(a.id, { status: 'complete', stats: { ...statsBy(), lowered: [first] } });
    store.setCurrentLeaf(t, a.id);

    const blocks = store.exportMarkdown(t).content.trimEnd().split('\n\n');
    expect(blocks.slice(-2)).toEqual([
      'A blue one.',
      '*(Sent with the images of 1 earlier question at Low detail, to fit the context window.)*',
    ]);
    const doc = JSON.parse(store.exportJson(t).content) as { messages: Message[] };
    const image = doc.messages.find((m) => m.id === first)?.parts.find((p) => p.type === 'image');
    expect(image).toMatchObject({ image: { sha256, detail: 'high' } });
    expect(doc.messages.find((m) => m.id === a.id)?.stats?.lowered).toEqual([first]);
  });
});

describe('slugify', () => {
  it('makes safe file names from any title', () => {
    expect(slugify('Café au lait — ¿por qué?')).toBe('cafe-au-lait-por-que');
    expect(slugify('日本の港')).toBe('日本の港');
    expect(slugify('../../etc/passwd')).toBe('etc-passwd');
    expect(slugify('???')).toBe('chat');
    expect(slugify('CON')).toBe('chat-con');
    expect(slugify('x'.repeat(100))).toHaveLength(60);
  });
});
