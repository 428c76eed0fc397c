/**
 * The engine in its own process over Node's child_process: streamed answers, aborts, schema-checked
 * requests, and a crash that fails the request in flight instead of hanging it.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../app/chat.ts';
import { TesseraError } from '../errors.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { EngineClient } from './client.ts';

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
    const stats = await client.request('stats', {});
    expect(stats.model?.family).toBe('smolvlm');
    expect(stats.rssBytes).toBeGreaterThan(0);
  });

  it('plans and prepares images ahead of the question', async () => {
    const client = await started();
    const plan = await client.request('plan', { width: 1920, height: 1080 });
    expect(plan.family).toBe('smolvlm');
    const data = await noiseImage(150, 100, 4);
    const prepared = await client.request('prepareImage', { data });
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
      await expect(notLoaded.request('stats', {})).resolves.toMatchObject({ model: null });
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
    await expect(client.request('stats', {})).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
  });
});
