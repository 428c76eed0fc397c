/**
 * The services over the in-memory store and a real engine process on the generated tiny model: answers
 * stream, stop, branch and follow up; an engine killed mid-answer fails that answer (never loses it) and
 * is restarted for the next one; bad input comes back as error codes.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachResult, Message, Thread } from '../../app/ipc/contract.ts';
import { imageHash } from '../../models/image/decode.ts';
import { hugePngHeader, noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { openStore } from '../store/store.ts';
import { textOf } from './conversation.ts';
import { modelId } from './models.ts';
import { TEST_SETTINGS, startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';

let modelDir: string;

beforeAll(async () => {
  modelDir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
});

const question = (text: string, image?: AttachResult) => [
  ...(image ? [{ type: 'image', image: { sha256: image.image.sha256, detail: image.image.detail } }] : []),
  { type: 'text', text },
];

describe('services', () => {
  let h: Harness;
  let thread: Thread;
  let image: AttachResult;

  beforeAll(async () => {
    h = startHarness({ modelDirs: [modelDir] });
    thread = await h.call('threads.create', { title: 'Screenshots' });
    image = await h.call('images.attach', { name: 'shot.png', data: await noiseImage(150, 100, 4) });
  });
  afterAll(() => h.close());

  it('lists the model folder and loads it at start', async () => {
    const models = await h.call('models.list', {});
    expect(models).toEqual([
      {
        id: modelId(modelDir),
        name: expect.any(String),
        dir: modelDir,
        family: 'smolvlm',
        contextLength: 2048,
        source: null,
        bytes: expect.any(Number),
        removable: false,
      },
    ]);
    expect(models[0]?.bytes).toBeGreaterThan(500_000);
    const ready = await h.next('engine.status', (s) => s.state === 'ready');
    expect(ready.modelId).toBe(modelId(modelDir));
    expect(ready.providers?.decoder.provider).toBe('cpu');
    expect((await h.call('engine.status', {})).state).toMatch(/ready|busy/);
  });

  it('attaches an image: stored, measured and planned for the active model', async () => {
    expect(image.image).toMatchObject({ name: 'shot.png', mime: 'image/png', width: 150, height: 100 });
    expect(image.plan?.family).toBe('smolvlm');
    expect(image.plan?.promptTokens).toBeGreaterThan(0);
    const bytes = await h.call('images.get', { sha256: image.image.sha256 });
    expect(bytes).toEqual(await noiseImage(150, 100, 4));
    const low = await h.call('images.plan', { sha256: image.image.sha256, detail: 'low' });
    expect(low.detail).toBe('low');
  });

  it('plans an attached image as the engine does, EXIF orientation included', async () => {
    // The plan is one pure function (the family's geometry): main computes it for the card from the header,
    // the engine for running from the decoded pixels. A photo taken sideways must get the same plan from both.
    const data = new Uint8Array(
      await sharp({ create: { width: 300, height: 120, channels: 3, background: '#c33' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    const attached = await h.call('images.attach', { name: 'sideways.jpg', data, detail: 'high' });
    expect(attached.image).toMatchObject({ width: 120, height: 300 });
    const engine = await h.engine.withEngine((c) => c.request('prepareImage', { data, detail: 'high' }));
    expect(engine.plan).toEqual(attached.plan);
  });

  it('sends a question: returns at once, streams deltas, ends complete with stats', async () => {
    const sent = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: question('What is in the image?', image),
    });
    expect(sent.userMessage.parts[0]).toMatchObject({ type: 'image', image: { sha256: image.image.sha256 } });
    expect(sent.assistantMessage).toMatchObject({ status: 'streaming', parentId: sent.userMessage.id });
    const done = await h.done(sent.assistantMessage.id);
    expect(done.status).toBe('complete');
    expect(done.stats?.generatedTokens).toBe(6);
    expect(done.stats?.promptTokens).toBeGreaterThan(image.plan?.promptTokens ?? Infinity);
    // The image was encoded when it was attached; the question only prefilled.
    expect(done.stats).toMatchObject({ imagesEncoded: 0, imagesFromCache: 1 });
    // The answer names the model that wrote it, and the store keeps that.
    const model = { id: modelId(modelDir), name: basename(modelDir), family: 'smolvlm' };
    expect(done.stats?.model).toEqual(model);
    expect(h.store.getMessage(done.id)?.stats?.model).toEqual(model);
    const deltas = h.events
      .filter((e) => e[0] === 'answer.delta' && e[1].messageId === done.id)
      .map((e) => (e[1] as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(0);
    expect(textOf(done.parts)).toBe(deltas.join(''));
    expect(h.store.getMessage(done.id)?.status).toBe('complete');
  });

  it('follows up on the same thread, reusing the kept KV cache', async () => {
    const first = await answered(h, thread.id, null, question('Describe it.', image));
    const follow = await answered(h, thread.id, first.id, question('And the colours?'));
    expect(follow.status).toBe('complete');
    // The answer's own token ids were stored and sent back, so the engine's kept cache serves the whole first
    // turn: its prompt and every answer token fed (all but the last).
    const ids = h.store.tokenIdsOf(first.id);
    expect(ids).toHaveLength(first.stats?.generatedTokens ?? -1);
    const firstTurn = (first.stats?.promptTokens ?? 0) + (ids?.length ?? 0) - 1;
    expect(follow.stats?.cachedTokens).toBeGreaterThanOrEqual(firstTurn);
    expect(h.store.pathTo(follow.id).map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('regenerates and edits as siblings, and switches branches', async () => {
    const first = await answered(h, thread.id, null, question('Hi'));
    const userId = first.parentId as string;
    const regenerated = await h.call('chat.regenerate', { messageId: first.id });
    expect(regenerated.assistantMessage.parentId).toBe(userId);
    expect((await h.done(regenerated.assistantMessage.id)).status).toBe('complete');

    const edited = await h.call('chat.edit', { messageId: userId, content: question('Hello there') });
    const original = h.store.getMessage(userId) as Message;
    expect(edited.userMessage.parentId).toBe(original.parentId);
    expect(edited.userMessage.id).not.toBe(userId);
    await h.done(edited.assistantMessage.id);

    const back = await h.call('threads.selectBranch', { threadId: thread.id, messageId: userId });
    expect(back.currentLeafId).toBe(regenerated.assistantMessage.id); // newest version below it
    expect(await h.fail('chat.regenerate', { messageId: userId })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await h.fail('chat.edit', { messageId: first.id, content: question('x') })).toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('stops an answer mid-way: it keeps its text and ends stopped', async () => {
    await h.call('settings.update', { sampling: { maxTokens: 1500 } });
    try {
      const sent = await h.call('chat.send', {
        threadId: thread.id,
        parentId: null,
        content: question('Go on'),
      });
      const id = sent.assistantMessage.id;
      await h.next('answer.delta', (d) => d.messageId === id);
      expect(await h.call('chat.stop', { messageId: id })).toBe(true);
      const done = await h.done(id);
      expect(done.status).toBe('stopped');
      expect(done.stats?.generatedTokens).toBeLessThan(1500);
      expect(await h.call('chat.stop', { messageId: id })).toBe(false);
    } finally {
      await h.call('settings.update', { sampling: { maxTokens: 6 } });
    }
  });

  it('answers one at a time: a second question waits streaming, then runs', async () => {
    const other = await h.call('threads.create', {});
    const a = await h.call('chat.send', { threadId: thread.id, parentId: null, content: question('One') });
    const b = await h.call('chat.send', { threadId: other.id, parentId: null, content: question('Two') });
    expect(h.store.getMessage(b.assistantMessage.id)?.status).toBe('streaming');
    const [doneA, doneB] = await Promise.all([h.done(a.assistantMessage.id), h.done(b.assistantMessage.id)]);
    expect([doneA.status, doneB.status]).toEqual(['complete', 'complete']);
    const order = h.events.flatMap(([name, p]) =>
      name === 'answer.delta' && [a, b].some((s) => s.assistantMessage.id === p.messageId)
        ? [p.messageId]
        : [],
    );
    expect(order.indexOf(b.assistantMessage.id)).toBeGreaterThan(order.lastIndexOf(a.assistantMessage.id));

    // A waiting answer can be stopped before it starts.
    const c = await h.call('chat.send', { threadId: thread.id, parentId: null, content: question('Three') });
    const d = await h.call('chat.send', { threadId: other.id, parentId: null, content: question('Four') });
    expect(await h.call('chat.stop', { messageId: d.assistantMessage.id })).toBe(true);
    expect((await h.done(d.assistantMessage.id)).status).toBe('stopped');
    expect((await h.done(c.assistantMessage.id)).status).toBe('complete');
  });

  it('estimates tokens (the engine counts them once it has the model)', async () => {
    const small = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: null,
      content: question('What is it?', image),
    });
    expect(small.contextLength).toBe(2048);
    expect(small.promptTokens).toBeGreaterThan(image.plan?.promptTokens ?? Infinity);
    expect(small.fits).toBe(true);
    const big = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: null,
      content: question('word '.repeat(3000)),
    });
    expect(big.promptTokens).toBeGreaterThan(2048);
    expect(big.fits).toBe(false);
    // The conversation so far counts too.
    const first = await answered(h, thread.id, null, question('Describe it in detail.', image));
    const followUp = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: first.id,
      content: question('What is it?', image),
    });
    expect(followUp.promptTokens).toBeGreaterThan(
      small.promptTokens + (image.plan?.promptTokens ?? Infinity),
    );
  });

  it('manages threads: rename, update, delete and restore, export', async () => {
    const t = await h.call('threads.create', { title: 'Temp' });
    expect((await h.call('threads.rename', { id: t.id, title: 'Renamed' })).title).toBe('Renamed');
    const updated = await h.call('threads.update', { id: t.id, systemPrompt: 'Be terse.', temperature: 0.5 });
    expect(updated).toMatchObject({ systemPrompt: 'Be terse.', temperature: 0.5, modelId: null });
    expect(await h.fail('threads.update', { id: t.id, modelId: 'nope' })).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await h.call('threads.list', {})).map((s) => s.id)).toContain(t.id);
    expect(await h.call('threads.delete', { id: t.id })).toEqual({ id: t.id });
    expect((await h.call('threads.list', {})).map((s) => s.id)).not.toContain(t.id);
    expect(await h.fail('threads.get', { id: t.id })).toMatchObject({ code: 'NOT_FOUND' });
    await h.call('threads.restore', { id: t.id });
    expect((await h.call('threads.get', { id: t.id })).thread.title).toBe('Renamed');
    const md = await h.call('threads.export', { id: thread.id, format: 'markdown' });
    expect(md.content.length).toBeGreaterThan(0);
    const json = await h.call('threads.export', { id: thread.id, format: 'json' });
    expect(() => JSON.parse(json.content) as unknown).not.toThrow();
  });

  it('answers with the system prompt of the thread', async () => {
    const t = await h.call('threads.create', {});
    await h.call('threads.update', { id: t.id, systemPrompt: 'You are terse.' });
    const plain = await h.call('threads.create', {});
    const withPrompt = await answered(h, t.id, null, question('Hi'));
    const without = await answered(h, plain.id, null, question('Hi'));
    expect(withPrompt.stats?.promptTokens).toBeGreaterThan(without.stats?.promptTokens as number);
  });

  it('refuses what is not an image, images cut short, and images that are too large', async () => {
    const notImage = await h.fail('images.attach', {
      name: 'notes.txt',
      data: new TextEncoder().encode('just text'),
    });
    expect(notImage.code).toBe('IMAGE_INVALID');
    expect(notImage.message).toMatch(/not an image|Supported formats/);
    // Their headers are whole, so only decoding every pixel at attach finds the missing half.
    for (const format of ['png', 'jpeg'] as const) {
      const whole = await noiseImage(150, 100, 5, format);
      const half = whole.subarray(0, Math.floor(whole.length / 2));
      const cut = await h.fail('images.attach', { name: `cut.${format}`, data: half });
      expect(cut.code).toBe('IMAGE_INVALID');
      expect(cut.message).toMatch(/^The image is truncated or corrupt \(.+\); re-save or re-capture it\.$/);
      expect(h.store.getImageMeta(imageHash(half))).toBeNull();
    }
    const bomb = await h.fail('images.attach', { name: 'bomb.png', data: hugePngHeader(20_000, 20_000) });
    expect(bomb.code).toBe('IMAGE_TOO_LARGE');
  });

  it('answers bad requests with BAD_REQUEST or NOT_FOUND, and keeps serving', async () => {
    const cases: Array<[string, unknown]> = [
      ['threads.nope', {}],
      ['toString', {}],
      ['__proto__', {}],
      ['constructor', {}],
      ['threads.create', { title: 42 }],
      ['threads.create', null],
      ['threads.rename', { id: thread.id, title: '' }],
      ['chat.send', { threadId: thread.id, parentId: null, content: [] }],
      ['chat.send', { threadId: thread.id, content: question('x') }],
      ['images.attach', { name: 'x.png', data: [1, 2, 3] }],
      ['images.plan', { sha256: 'ABC', detail: 'low' }],
      ['settings.update', { device: 'tpu' }],
    ];
    for (const [name, input] of cases) {
      expect(await h.fail(name, input), name).toMatchObject({ code: 'BAD_REQUEST' });
    }
    const missing = '0'.repeat(64);
    const notFound: Array<[string, unknown]> = [
      ['threads.get', { id: 'nope' }],
      ['chat.send', { threadId: 'nope', parentId: null, content: question('x') }],
      ['chat.send', { threadId: thread.id, parentId: 'nope', content: question('x') }],
      ['chat.regenerate', { messageId: 'nope' }],
      ['images.get', { sha256: missing }],
      ['images.plan', { sha256: missing, detail: 'high' }],
      ['settings.update', { activeModelId: 'nope' }],
      [
        'chat.send',
        {
          threadId: thread.id,
          parentId: null,
          content: [{ type: 'image', image: { sha256: missing, detail: 'low' } }],
        },
      ],
    ];
    for (const [name, input] of notFound) {
      expect(await h.fail(name, input), name).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await h.call('threads.list', {})).length).toBeGreaterThan(0);
  });
});

describe('services when the engine crashes', () => {
  let h: Harness;
  beforeAll(() => {
    h = startHarness({ modelDirs: [modelDir] });
  });
  afterAll(() => h.close());

  it('fails the answer in flight with ENGINE_CRASHED, restarts the engine, and answers the next one', async () => {
    await h.call('settings.update', { sampling: { maxTokens: 1500 } });
    const thread = await h.call('threads.create', {});
    const sent = await h.call('chat.send', { threadId: thread.id, parentId: null, content: question('Hi') });
    const id = sent.assistantMessage.id;
    await h.next('answer.delta', (d) => d.messageId === id);
    const pid = h.engine.pid as number;
    process.kill(pid, 'SIGKILL');
    const failed = await h.done(id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('ENGINE_CRASHED');
    expect(failed.error?.message).toMatch(/SIGKILL/);
    expect(h.store.getMessage(id)?.status).toBe('failed'); // recorded, not lost

    await h.next('engine.status', (s) => s.state === 'restarting');
    const ready = await h.next('engine.status', (s) => s.state === 'ready' && s.restarts === 1);
    expect(ready.error).toBeNull();
    expect(h.engine.pid).not.toBe(pid);

    await h.call('settings.update', { sampling: { maxTokens: 4 } });
    const next = await answered(h, thread.id, null, question('Again'));
    expect(next.status).toBe('complete');

    // The failed answer can be retried.
    const from = h.events.length;
    const retried = await h.call('chat.retry', { messageId: id });
    const done = await h.done(retried.assistantMessage.id, from);
    expect(done.status).toBe('complete');
    expect(done.parentId).toBe(failed.parentId);
    expect(await h.fail('chat.retry', { messageId: done.id })).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('services without a model', () => {
  it('says NO_MODEL on attach and fails the answer; once a model appears, retry answers in place', async () => {
    const models = mkdtempSync(join(tmpdir(), 'tessera-models-'));
    const h = startHarness({ modelDirs: [models] });
    try {
      expect(await h.call('models.list', {})).toEqual([]);
      const attach = await h.fail('images.attach', { name: 'a.png', data: await noiseImage(20, 20, 1) });
      expect(attach.code).toBe('NO_MODEL');
      const thread = await h.call('threads.create', {});
      const sent = await h.call('chat.send', {
        threadId: thread.id,
        parentId: null,
        content: question('Hi'),
      });
      const failed = await h.done(sent.assistantMessage.id);
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'NO_MODEL' } });
      expect((await h.call('engine.status', {})).state).toBe('stopped');

      // A model folder copied in while running is found (folders are read on demand).
      symlinkSync(modelDir, join(models, 'tiny'));
      expect((await h.call('models.list', {})).map((m) => m.name)).toEqual(['tiny']);
      const from = h.events.length;
      const retried = await h.call('chat.retry', { messageId: failed.id });
      expect(retried.assistantMessage).toMatchObject({ id: failed.id, status: 'streaming', error: null });
      const done = await h.done(failed.id, from);
      expect(done.status).toBe('complete');
      expect(textOf(done.parts).length).toBeGreaterThan(0);
    } finally {
      await h.close();
      rmSync(models, { recursive: true, force: true });
    }
  });
});

describe('services over the SQLite store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-services-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sends, regenerates and keeps the answers in the database', async () => {
    const store = openStore(dataDir);
    store.updateSettings(TEST_SETTINGS);
    const h = startHarness({ modelDirs: [modelDir], store });
    try {
      const thread = await h.call('threads.create', {});
      const image = await h.call('images.attach', { name: 'a.png', data: await noiseImage(64, 48, 2) });
      const first = await answered(h, thread.id, null, question('What is it?', image));
      expect(first.status).toBe('complete');
      const again = await h.call('chat.regenerate', { messageId: first.id });
      const second = await h.done(again.assistantMessage.id);
      expect(second.status).toBe('complete');
      const detail = await h.call('threads.get', { id: thread.id });
      expect(detail.messages.filter((m) => m.parentId === first.parentId)).toHaveLength(2);
      expect(textOf(detail.messages.find((m) => m.id === first.id)?.parts ?? [])).toBe(textOf(first.parts));
    } finally {
      await h.close();
      store.close();
    }
  });
});

async function answered(
  h: Harness,
  threadId: string,
  parentId: string | null,
  content: unknown[],
): Promise<Message> {
  const sent = await h.call('chat.send', { threadId, parentId, content });
  return h.done(sent.assistantMessage.id);
}
