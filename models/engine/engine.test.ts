/**
 * The engine in its own process over Node's child_process: streamed answers, aborts, schema-checked
 * requests, and a crash that fails the request in flight instead of hanging it.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { ChatMessage, GenerateRequest, VideoPart } from '../../app/chat.ts';
import { TesseraError } from '../errors.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { smolvlm2TestModel } from '../families/smolvlm/testing.ts';
import { EngineClient } from './client.ts';
import { forkEngineProcess } from './fork.ts';

let dir: string;
let engine: EngineClient | undefined;

beforeAll(async () => {
  dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
});

afterEach(() => {
  engine?.close();
  engine = undefined;
});

async function started(): Promise<EngineClient> {
  engine = EngineClient.spawn();
  await engine.ready;
  await engine.request('load', { dir, device: 'cpu', dtype: 'fp32' });
  return engine;
}

const question = async (): Promise<ChatMessage> => ({
  role: 'user',
  content: [
    { type: 'image', data: await noiseImage(150, 100, 4) },
    { type: 'text', text: 'What is in the image?' },
  ],
});

describe('engine process', () => {
  it('loads a model and streams an answer', async () => {
    const client = await started();
    const deltas: string[] = [];
    const result = await client.generate(
      { messages: [await question()], sampling: { maxTokens: 10, ignoreEos: true } },
      { onText: (d) => deltas.push(d) },
    );
    expect(result.tokenIds).toHaveLength(10);
    expect(deltas.join('')).toBe(result.text);
    expect(result.stats.providers.decoder.provider).toBe('cpu');
  });

  it('plans and prepares images ahead of the question', async () => {
    const client = await started();
    const data = await noiseImage(150, 100, 4);
    const prepared = await client.request('prepareImage', { data });
    expect(prepared.plan.family).toBe('smolvlm');
    const result = await client.generate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', sha256: prepared.sha256 },
            { type: 'text', text: 'Hi' },
          ],
        },
      ],
      sampling: { maxTokens: 2 },
    });
    expect(result.stats.imagesFromCache).toBe(1);
    expect(result.stats.imagesEncoded).toBe(0);
  });

  it('aborts a running answer through an AbortSignal', async () => {
    const client = await started();
    const controller = new AbortController();
    let deltas = 0;
    const result = await client.generate(
      { messages: [await question()], sampling: { maxTokens: 1000, ignoreEos: true } },
      {
        signal: controller.signal,
        onText: () => {
          if (++deltas === 2) controller.abort();
        },
      },
    );
    expect(result.finishReason).toBe('aborted');
    const next = await client.generate({
      messages: [await question()],
      sampling: { maxTokens: 3, ignoreEos: true },
    });
    expect(next.tokenIds).toHaveLength(3);
  });

  it('answers an invalid request with BAD_REQUEST and keeps serving', async () => {
    const client = await started();
    const bad = client.generate({ messages: [] } as never);
    await expect(bad).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const notLoaded = EngineClient.spawn();
    try {
      await notLoaded.ready;
      await expect(notLoaded.request('forgetThread', { threadId: 't' })).rejects.toMatchObject({
        code: 'MODEL_NOT_LOADED',
      });
      await expect(notLoaded.generate({ messages: [await question()] })).rejects.toMatchObject({
        code: 'MODEL_NOT_LOADED',
      });
    } finally {
      notLoaded.close();
    }
    const ok = await client.generate({ messages: [await question()], sampling: { maxTokens: 2 } });
    expect(ok.finishReason).toBeDefined();
  });

  it('speaks the same protocol over an Electron utilityProcess parentPort', async () => {
    engine = EngineClient.spawn({
      preload: [new URL('./testing/electron-parent-port.ts', import.meta.url).href],
    });
    await engine.ready;
    await engine.request('load', { dir, device: 'cpu', dtype: 'fp32' });
    const deltas: string[] = [];
    const result = await engine.generate(
      { messages: [await question()], sampling: { maxTokens: 5, ignoreEos: true } },
      { onText: (d) => deltas.push(d) },
    );
    expect(result.tokenIds).toHaveLength(5);
    expect(deltas.join('')).toBe(result.text);
  });

  it('fails the request in flight when the engine process crashes', async () => {
    const client = await started();
    const pending = client.generate(
      { messages: [await question()], sampling: { maxTokens: 100_000, ignoreEos: true } },
      { onText: () => process.kill(client.pid as number, 'SIGKILL') },
    );
    const error = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TesseraError);
    expect((error as TesseraError).code).toBe('ENGINE_CRASHED');
    expect((error as TesseraError).message).toMatch(/SIGKILL/);
    await expect(client.request('forgetThread', { threadId: 't' })).rejects.toMatchObject({
      code: 'ENGINE_CRASHED',
    });
  });

  it("sends an image's bytes once per engine, and again only when the engine lacks them", async () => {
    const process = forkEngineProcess();
    const sent: Array<{ type: string; sha256?: string; request?: GenerateRequest }> = [];
    let renameNextPrepare = false;
    engine = new EngineClient({
      ...process,
      send: (message) => {
        const m = message as { type: string; sha256?: string };
        // Stands in for an engine that dropped an image: it is stored under another hash than the client's.
        if (m.type === 'prepareImage' && renameNextPrepare) m.sha256 = 'f'.repeat(64);
        sent.push(structuredClone(m));
        process.send(message);
      },
    });
    await engine.ready;
    await engine.request('load', { dir, device: 'cpu', dtype: 'fp32' });
    const data = await noiseImage(150, 100, 4);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const ask = () =>
      (engine as EngineClient).generate({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', sha256, data },
              { type: 'text', text: 'Hi' },
            ],
          },
        ],
        sampling: { maxTokens: 2 },
      });
    const imageParts = () =>
      sent
        .filter((m) => m.type === 'generate')
        .map((m) => m.request?.messages[0]?.content[0] as { data?: Uint8Array });

    await ask();
    const second = await ask();
    expect(imageParts().map((p) => p.data !== undefined)).toEqual([true, false]);
    expect(second.stats.imagesFromCache).toBe(1);

    // The client believes the engine holds an image it does not: told IMAGE_NOT_HELD, it sends the bytes.
    const other = await noiseImage(120, 90, 5);
    const otherSha = createHash('sha256').update(other).digest('hex');
    renameNextPrepare = true;
    await engine.request('prepareImage', { data: other, sha256: otherSha });
    renameNextPrepare = false;
    sent.length = 0;
    const answer = await engine.generate({
      messages: [{ role: 'user', content: [{ type: 'image', sha256: otherSha, data: other }] }],
      sampling: { maxTokens: 2 },
    });
    expect(imageParts().map((p) => p.data !== undefined)).toEqual([false, true]);
    expect(answer.stats.imagesEncoded).toBe(1);
  });
  it("sends a video's encoded frames once per engine, and again when the engine lacks them", async () => {
    const process = forkEngineProcess();
    const sent: Array<{ type: string; request?: GenerateRequest }> = [];
    engine = new EngineClient({
      ...process,
      send: (message) => {
        sent.push(structuredClone(message as { type: string }));
        process.send(message);
      },
    });
    await engine.ready;
    const smolvlm2 = await smolvlm2TestModel();
    await engine.request('load', { dir: smolvlm2, device: 'cpu', dtype: 'fp32' });
    // 3 s at 2 fps: the SmolVLM2 test model's plan samples 3 frames; the app stores them as PNGs.
    const pngs = await Promise.all([0, 1, 2].map((i) => noiseImage(48, 32, 40 + i)));
    const video: VideoPart = {
      type: 'video',
      source: { size: { width: 48, height: 32 }, totalFrames: 6, frameRate: 2 },
      frames: pngs.map((data) => ({ sha256: createHash('sha256').update(data).digest('hex'), data })),
    };
    const ask = (part: VideoPart) =>
      (engine as EngineClient).generate({
        messages: [{ role: 'user', content: [part, { type: 'text', text: 'What happens?' }] }],
        sampling: { maxTokens: 2 },
      });
    const framesSent = () =>
      sent
        .filter((m) => m.type === 'generate')
        .map((m) =>
          (m.request?.messages[0]?.content[0] as VideoPart).frames.map((f) => f.data !== undefined),
        );

    const first = await ask(video);
    const second = await ask(video);
    expect(framesSent()).toEqual([
      [true, true, true],
      [false, false, false],
    ]);
    expect(first.stats).toMatchObject({ videosEncoded: 1, videosFromCache: 0 });
    expect(second.stats).toMatchObject({ videosEncoded: 0, videosFromCache: 1 });

    // Loading the model again empties the engine's caches; the client, told IMAGE_NOT_HELD, sends the bytes.
    await engine.request('load', { dir: smolvlm2, device: 'cpu', dtype: 'fp32' });
    sent.length = 0;
    const again = await ask(video);
    expect(framesSent()).toEqual([
      [false, false, false],
      [true, true, true],
    ]);
    expect(again.stats.videosEncoded).toBe(1);

    // A frame that is not an image is refused over the wire, naming the frame.
    const junk = new TextEncoder().encode('not a frame');
    const broken = {
      ...video,
      frames: [...video.frames.slice(0, 2), { sha256: 'e'.repeat(64), data: junk }],
    };
    await expect(ask(broken)).rejects.toMatchObject({
      code: 'IMAGE_INVALID',
      message: expect.stringMatching(/^Frame 3 of 3 of the video \(eeeeeeeeeeee…\) could not be decoded/),
    });
  });
});
