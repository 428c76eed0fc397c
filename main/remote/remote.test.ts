/**
 * Remote servers through the services, against a fault-injecting OpenAI-shaped server on a real port and
 * the real `openai` client: adding and listing servers (keys kept back from the renderer), chatting with a
 * remote model (images as data: URLs with their detail, stats naming the server), Stop closing the HTTP
 * request, and every fault ending in a clear, retryable state with the partial answer kept.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message, Thread } from '../../app/ipc/contract.ts';
import { remoteModelId } from '../../app/remote.ts';
import type { RemoteServerView } from '../../app/remote.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { readModelJson } from '../../models/runtime/model-folder.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { textOf } from '../services/conversation.ts';
import { startHarness } from '../services/testing/harness.ts';
import type { Harness } from '../services/testing/harness.ts';
import { LocalHub } from '../hub/local-hub.ts';
import { FaultServer } from './testing/fault-server.ts';

const ANSWER = 'The image shows a red square on white.';
const KEY = 'sk-test-key';

/** Quick retries; Stop and the faults end requests, the clock never has to. */
const REMOTE = {
  retry: { backoffMs: 10, retries: 2, maxWaitMs: 5_000 },
  firstByteMs: 60_000,
  idleMs: 60_000,
};

describe('remote servers', () => {
  let server: FaultServer;
  let h: Harness;
  let added: RemoteServerView;
  let thread: Thread;
  const modelId = () => remoteModelId(added.id, 'test-vlm');

  let modelDir: string;
  let emptyDir: string;

  beforeAll(async () => {
    modelDir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
    emptyDir = mkdtempSync(join(tmpdir(), 'tessera-remote-'));
    writeFileSync(join(emptyDir, 'README.md'), 'No model here.\n');
    const json = readModelJson(modelDir);
    server = await FaultServer.start({
      apiKey: KEY,
      answer: ANSWER,
      models: [
        { id: 'test-vlm' },
        {
          id: 'tessera-smol',
          tessera: {
            family: 'smolvlm',
            context_length: 2048,
            model_json: {
              config: json.config,
              preprocessor_config: json.preprocessorConfig,
              processor_config: json.processorConfig,
            },
          },
        },
      ],
    });
    h = startHarness({ modelDirs: [], remote: REMOTE });
  });
  afterAll(async () => {
    await h.close();
    await server.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('refuses a wrong key and a server that is not there, with what to do', async () => {
    const refused = await h.fail('remote.add', { baseUrl: server.baseUrl, apiKey: 'wrong' });
    expect(refused.code).toBe('REMOTE_REFUSED');
    expect(refused.message).toMatch(/refused the API key \(401.*Remote servers in Settings/);
    const port = await closedPort();
    const closed = await h.fail('remote.add', { baseUrl: `http://127.0.0.1:${port}/v1` });
    expect(closed.code).toBe('REMOTE_UNREACHABLE');
    expect(closed.message).toMatch(
      new RegExp(
        `Could not connect to 127\\.0\\.0\\.1:${port} \\(http://127\\.0\\.0\\.1:${port}/v1\\): connection refused`,
      ),
    );
    const notHttp = await h.fail('remote.add', { baseUrl: 'ftp://gpu-box/v1' });
    expect(notHttp).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/http:\/\/ or https:\/\//),
    });
    expect(await h.call('remote.list', {})).toEqual([]);
  });

  it('adds a server: its models are listed with its name, the key never leaves main', async () => {
    added = await h.call('remote.add', { baseUrl: `${server.baseUrl}/`, apiKey: KEY, name: 'GPU box' });
    expect(added).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}$/),
      name: 'GPU box',
      baseUrl: server.baseUrl,
      hasKey: true,
      models: ['test-vlm', 'tessera-smol'],
      checkedAt: expect.any(Number),
      problem: null,
    });
    expect(JSON.stringify(await h.call('remote.list', {}))).not.toContain(KEY);
    // Added again: the same server (same id) with the key and name given now.
    const again = await h.call('remote.add', { baseUrl: server.baseUrl, apiKey: KEY, name: 'GPU box' });
    expect(again.id).toBe(added.id);
    expect(await h.call('remote.list', {})).toHaveLength(1);
    const models = await h.call('models.list', {});
    expect(models.map((m) => [m.id, m.name, m.family, m.remote?.serverName, m.remote?.planKnown])).toEqual([
      [modelId(), 'test-vlm', 'unknown', 'GPU box', false],
      [remoteModelId(added.id, 'tessera-smol'), 'tessera-smol', 'smolvlm', 'GPU box', true],
    ]);
    expect(JSON.stringify(models)).not.toContain(KEY);
    // The key is stored apart from the settings table, which the store exports nowhere near the renderer.
    expect(JSON.stringify(h.store.getLocalSettings())).not.toContain(KEY);
  });

  beforeEach(async () => {
    if (!added) return;
    thread = await h.call('threads.create', { title: 'Remote' });
    await h.call('threads.update', { id: thread.id, modelId: modelId() });
  });

  const ask = async (text = 'What is in the image?') => {
    const { assistantMessage } = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: [{ type: 'text', text }],
    });
    return assistantMessage;
  };

  it('streams an answer, with images as data: URLs at their detail, and records the server', async () => {
    await h.call('settings.update', { activeModelId: modelId() });
    const png = await noiseImage(64, 48, 2);
    const attached = await h.call('images.attach', { name: 'shot.png', data: png, detail: 'low' });
    // The family of test-vlm is unknown: no plan, and the tile view says so.
    expect(attached.plan).toBeNull();
    const planError = await h.fail('images.plan', { sha256: attached.image.sha256, detail: 'high' });
    expect(planError.message).toMatch(/The tile plan is unknown for test-vlm on GPU box/);
    const content = [
      { type: 'image', image: { sha256: attached.image.sha256, detail: 'low' } },
      { type: 'text', text: 'What is this?' },
    ];
    const estimate = await h.call('chat.estimate', { threadId: thread.id, parentId: null, content });
    expect(estimate.unknown).toMatch(/tile plan is unknown/);

    const from = h.events.length;
    const { assistantMessage } = await h.call('chat.send', { threadId: thread.id, parentId: null, content });
    const done = await h.done(assistantMessage.id, from);
    expect(done.status).toBe('complete');
    expect(textOf(done.parts)).toBe(ANSWER);
    const deltas = h.events.slice(from).filter(([name, p]) => name === 'answer.delta' && 'text' in p);
    expect(deltas.length).toBeGreaterThan(3);

    const request = server.chats.at(-1);
    expect(request?.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.body).toMatchObject({
      model: 'test-vlm',
      stream: true,
      stream_options: { include_usage: true },
    });
    const [user] = request?.body.messages as {
      role: string;
      content: { type: string; image_url?: { url: string; detail: string } }[];
    }[];
    const image = user?.content.find((p) => p.type === 'image_url')?.image_url;
    expect(image?.detail).toBe('low');
    expect(image?.url.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(image?.url.split(',')[1] ?? '', 'base64').equals(Buffer.from(png))).toBe(true);

    expect(done.stats?.model).toEqual({
      id: modelId(),
      name: 'test-vlm',
      family: 'unknown',
      server: { name: 'GPU box', baseUrl: server.baseUrl },
    });
    expect(done.stats).toMatchObject({ promptTokens: 42, generatedTokens: ANSWER.split(' ').length });
    const exported = await h.call('threads.export', { id: thread.id, format: 'markdown' });
    expect(exported.content).toContain(`test-vlm (remote: GPU box, ${server.baseUrl})`);

    // A follow-up sends the thread's path: its system prompt, the question, the answer, the new question.
    await h.call('threads.update', { id: thread.id, systemPrompt: 'Answer briefly.' });
    const next = h.events.length;
    const followUp = await h.call('chat.send', {
      threadId: thread.id,
      parentId: done.id,
      content: [{ type: 'text', text: 'And the colours?' }],
    });
    expect((await h.done(followUp.assistantMessage.id, next)).status).toBe('complete');
    const sent = server.chats.at(-1)?.body.messages as { role: string; content: unknown }[];
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent[0]?.content).toBe('Answer briefly.');
    expect(sent[2]?.content).toBe(ANSWER);
    expect(sent[3]?.content).toEqual([{ type: 'text', text: 'And the colours?' }]);
    await h.call('settings.update', { activeModelId: null });
  });

  it("plans a Tessera server's model with the family it describes", async () => {
    await h.call('settings.update', { activeModelId: remoteModelId(added.id, 'tessera-smol') });
    const attached = await h.call('images.attach', { name: 'a.png', data: await noiseImage(150, 100, 3) });
    expect(attached.plan).toMatchObject({ family: 'smolvlm', original: { width: 150, height: 100 } });
    await h.call('threads.update', { id: thread.id, modelId: remoteModelId(added.id, 'tessera-smol') });
    const estimate = await h.call('chat.estimate', {
      threadId: thread.id,
      parentId: null,
      content: [{ type: 'image', image: { sha256: attached.image.sha256, detail: 'high' } }],
    });
    expect(estimate).toMatchObject({ contextLength: 2048, exact: false, fits: true });
    expect(estimate.unknown).toBeUndefined();
    expect(estimate.promptTokens).toBeGreaterThan(attached.plan?.promptTokens ?? Infinity);
    await h.call('settings.update', { activeModelId: null });
  });

  it('Stop closes the HTTP request and keeps what arrived', async () => {
    server.inject({ kind: 'stall', chunks: 3 });
    const before = server.chats.length;
    const from = h.events.length;
    const answer = await ask();
    const request = await server.chatCount(before + 1);
    const textSoFar = () =>
      h.events
        .slice(from)
        .flatMap(([name, p]) => (name === 'answer.delta' && p.messageId === answer.id ? [p.text] : []))
        .join('');
    await h.next('answer.delta', () => textSoFar() === 'The image shows ', from);
    await h.call('chat.stop', { messageId: answer.id });
    const done = await h.done(answer.id, from);
    expect(done.status).toBe('stopped');
    expect(textOf(done.parts)).toBe('The image shows ');
    await request.over;
    expect(request.closedEarly).toBe(true);
  });

  it('a slow first byte shows the answer waiting, and Stop works during it', async () => {
    server.inject({ kind: 'hold-headers' });
    const before = server.chats.length;
    const from = h.events.length;
    const answer = await ask();
    const request = await server.chatCount(before + 1);
    expect(h.store.getMessage(answer.id)?.status).toBe('streaming');
    await h.call('chat.stop', { messageId: answer.id });
    const done = await h.done(answer.id, from);
    expect(done).toMatchObject({ status: 'stopped', error: null });
    await request.over;
    expect(request.closedEarly).toBe(true);
  });

  /** Sends, expects a failure with `code` and the partial text, then Retry completes it. */
  const failsThenRetries = async (code: string, partial: string, message: RegExp) => {
    const from = h.events.length;
    const answer = await ask();
    const failed = await h.done(answer.id, from);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(textOf(failed.parts)).toBe(partial);
    expect(failed.stats?.model?.server?.name).toBe('GPU box');
    const again = h.events.length;
    const { assistantMessage } = await h.call('chat.retry', { messageId: answer.id });
    const retried: Message = await h.done(assistantMessage.id, again);
    expect(retried.status).toBe('complete');
    expect(textOf(retried.parts)).toBe(ANSWER);
    // Nothing lost: a partial answer stays as the earlier version beside the retried one (an empty one is
    // retried in place).
    if (partial) expect(textOf(h.store.getMessage(answer.id)?.parts ?? [])).toBe(partial);
    else expect(assistantMessage.id).toBe(answer.id);
  };

  it('a malformed event keeps the partial answer, marked, and Retry completes it', async () => {
    server.inject({ kind: 'malformed', chunks: 2 });
    await failsThenRetries(
      'REMOTE_STREAM_BROKEN',
      'The image ',
      /GPU box .* broke off: it sent a malformed event \(not JSON\)\. What arrived is kept; Retry asks again/,
    );
  });

  it('a connection dropped mid-stream keeps the partial answer, and Retry completes it', async () => {
    server.inject({ kind: 'drop', chunks: 3 });
    await failsThenRetries('REMOTE_STREAM_BROKEN', 'The image shows ', /broke off: the connection was cut/);
  });

  it('a stream that ends without finishing is broken, not complete', async () => {
    server.inject({ kind: 'truncate', chunks: 1 });
    await failsThenRetries('REMOTE_STREAM_BROKEN', 'The ', /closed before the answer ended/);
  });

  it('a 429 waits for Retry-After and then answers', async () => {
    server.inject({ kind: 'rate-limit', retryAfter: 0, retryAfterMs: 20 });
    const before = server.chats.length;
    const from = h.events.length;
    const done = await h.done((await ask()).id, from);
    expect(done.status).toBe('complete');
    expect(server.chats.length).toBe(before + 2);
  });

  it('a Retry-After longer than Tessera waits fails at once, saying when to retry', async () => {
    server.inject({ kind: 'rate-limit', retryAfter: 600 });
    await failsThenRetries(
      'REMOTE_BUSY',
      '',
      /busy \(429\) and asked to wait 600 s.*Retry after \d\d:\d\d:\d\d UTC/,
    );
  });

  it('a 500 is retried a bounded number of times, then fails with a clear message', async () => {
    server.inject(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
    );
    const before = server.chats.length;
    await failsThenRetries('REMOTE_BUSY', '', /GPU box answered 500 .* 3 times\. Retry in a while/);
    expect(server.chats.length).toBe(before + 4); // 1 + 2 retries, then the Retry
  });

  it('a stall past the idle limit is broken, keeping what arrived', async () => {
    const quick = startHarness({ modelDirs: [], remote: { ...REMOTE, idleMs: 300 } });
    try {
      const view = await quick.call('remote.add', { baseUrl: server.baseUrl, apiKey: KEY });
      const t = await quick.call('threads.create', {});
      await quick.call('threads.update', { id: t.id, modelId: remoteModelId(view.id, 'test-vlm') });
      server.inject({ kind: 'stall', chunks: 2 });
      const { assistantMessage } = await quick.call('chat.send', {
        threadId: t.id,
        parentId: null,
        content: [{ type: 'text', text: 'Hi' }],
      });
      const done = await quick.done(assistantMessage.id);
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({
        code: 'REMOTE_STREAM_BROKEN',
        message: expect.stringMatching(/nothing arrived for 300 ms/),
      });
      expect(textOf(done.parts)).toBe('The image ');
    } finally {
      await quick.close();
    }
  });

  it('an answer larger than the bound is cut off, keeping what arrived', async () => {
    const bounded = startHarness({ modelDirs: [], remote: { ...REMOTE, maxBytes: 600 } });
    try {
      const view = await bounded.call('remote.add', { baseUrl: server.baseUrl, apiKey: KEY });
      const t = await bounded.call('threads.create', {});
      await bounded.call('threads.update', { id: t.id, modelId: remoteModelId(view.id, 'test-vlm') });
      const { assistantMessage } = await bounded.call('chat.send', {
        threadId: t.id,
        parentId: null,
        content: [{ type: 'text', text: 'Hi' }],
      });
      const done = await bounded.done(assistantMessage.id);
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({
        code: 'REMOTE_STREAM_BROKEN',
        message: expect.stringMatching(/broke off: the response passed 600 bytes and was cut off/),
      });
      expect(ANSWER.startsWith(textOf(done.parts))).toBe(true);
      expect(textOf(done.parts).length).toBeLessThan(ANSWER.length);
    } finally {
      await bounded.close();
    }
  });

  it("takes a model's family from a Hub repo the user names, and refuses one that has none", async () => {
    const hub = await LocalHub.start({
      'tessera-test/smolvlm-tiny': modelDir,
      'tessera-test/empty': emptyDir,
    });
    const withHub = startHarness({
      modelDirs: [],
      remote: REMOTE,
      downloads: { modelsDir: join(emptyDir, 'models'), hubEndpoint: hub.url },
    });
    try {
      const view = await withHub.call('remote.add', { baseUrl: server.baseUrl, apiKey: KEY });
      const id = remoteModelId(view.id, 'test-vlm');
      const missing = await withHub.fail('remote.setFamilySource', {
        modelId: id,
        repo: 'tessera-test/empty',
      });
      expect(missing).toMatchObject({
        code: 'MODEL_UNSUPPORTED',
        message: expect.stringMatching(/has no config\.json/),
      });

      const entry = await withHub.call('remote.setFamilySource', {
        modelId: id,
        repo: 'tessera-test/smolvlm-tiny',
      });
      expect(entry).toMatchObject({ family: 'smolvlm', contextLength: 2048 });
      expect(entry.remote).toMatchObject({ planKnown: true, familyRepo: 'tessera-test/smolvlm-tiny' });
      await withHub.call('settings.update', { activeModelId: id });
      const attached = await withHub.call('images.attach', {
        name: 'a.png',
        data: await noiseImage(80, 60, 1),
      });
      expect(attached.plan?.family).toBe('smolvlm');
      // Kept across a refresh (the server itself still says nothing of its family).
      await withHub.call('remote.refresh', { id: view.id });
      const listed = (await withHub.call('models.list', {})).find((m) => m.id === id);
      expect(listed?.remote?.familyRepo).toBe('tessera-test/smolvlm-tiny');

      const forgotten = await withHub.call('remote.setFamilySource', { modelId: id, repo: null });
      expect(forgotten).toMatchObject({ family: 'unknown', remote: { planKnown: false, familyRepo: null } });
    } finally {
      await withHub.close();
      await hub.close();
    }
  });

  describe('a server that goes away', () => {
    it('keeps its models listed with the problem, and a chat fails retryably', async () => {
      const gone = await FaultServer.start();
      const view = await h.call('remote.add', { baseUrl: gone.baseUrl, name: 'Laptop' });
      await gone.close();
      const [refreshed] = (await h.call('remote.refresh', { id: view.id })).filter((s) => s.id === view.id);
      expect(refreshed?.problem).toMatch(
        /Could not connect to Laptop .*connection refused.*Check that the server is running/,
      );
      expect(refreshed?.models).toEqual(['test-vlm']);
      const entry = (await h.call('models.list', {})).find((m) => m.remote?.serverId === view.id);
      expect(entry?.problem).toMatch(/connection refused/);

      await h.call('threads.update', { id: thread.id, modelId: remoteModelId(view.id, 'test-vlm') });
      const from = h.events.length;
      const done = await h.done((await ask()).id, from);
      expect(done).toMatchObject({ status: 'failed', error: { code: 'REMOTE_UNREACHABLE' } });
      await h.call('remote.remove', { id: view.id });
      expect((await h.call('models.list', {})).some((m) => m.remote?.serverId === view.id)).toBe(false);
    });
  });
});

/** A port nothing listens on: one the system gave a server that is closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
