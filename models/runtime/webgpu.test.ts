/**
 * The WebGPU provider (here Mesa's software Vulkan, installed by .ci/install-system-packages.sh) gives the
 * same greedy answer as the CPU on fp32, with the KV cache kept on the device between steps.
 *
 * Skipped only where onnxruntime finds no adapter at all; CI sets TESSERA_REQUIRE_WEBGPU=1, which turns that
 * skip into a failure, so the suite cannot go quiet there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../app/chat.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { probeWebGpu } from '../testing/webgpu-adapter.ts';
import { DecoderStepper, embedTokens } from './generate.ts';
import { KvCache } from './kv-cache.ts';
import { Vlm } from './vlm.ts';

const adapter = probeWebGpu();
const required = process.env.TESSERA_REQUIRE_WEBGPU === '1';
if (!adapter.found && !required) console.warn(`WebGPU tests skipped: ${adapter.reason}`);

let cpu: Vlm;
let gpu: Vlm;

describe.skipIf(!adapter.found && !required)('WebGPU execution provider', () => {
  beforeAll(async () => {
    if (!adapter.found) throw new Error(`TESSERA_REQUIRE_WEBGPU=1, but ${adapter.reason}`);
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    const dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
    cpu = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
    gpu = await Vlm.load(dir, { device: 'webgpu', dtype: 'fp32' });
  });

  afterAll(async () => {
    await cpu?.dispose();
    await gpu?.dispose();
  });

  it('runs every graph on WebGPU', () => {
    expect(gpu.info.providers).toEqual({
      vision: { provider: 'webgpu', dtype: 'fp32' },
      embed: { provider: 'webgpu', dtype: 'fp32' },
      decoder: { provider: 'webgpu', dtype: 'fp32', cache: 'kept on the device' },
    });
  });

  it('keeps the KV cache on the device between steps', async () => {
    const { decoder, embed, text } = gpu.parts;
    const stepper = new DecoderStepper(decoder.session, KvCache.empty(decoder.session));
    const ids = text.encode('hello there');
    await stepper.feed(ids, await embedTokens(embed.session, ids));
    for (const tensor of Object.values(stepper.cache.feeds())) expect(tensor.location).toBe('gpu-buffer');
    stepper.cache.dispose();
  });

  it('gives the same greedy tokens as the CPU, with an image and a follow-up turn', async () => {
    const image = await noiseImage(180, 140, 21);
    const first: ChatMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'image', data: image },
          { type: 'text', text: 'What is it?' },
        ],
      },
    ];
    const request = (messages: ChatMessage[]) => ({
      messages,
      threadId: 'gpu-vs-cpu',
      sampling: { maxTokens: 16, ignoreEos: true },
    });
    const onCpu = await cpu.generate(request(first), () => {});
    const onGpu = await gpu.generate(request(first), () => {});
    expect(onGpu.tokenIds).toEqual(onCpu.tokenIds);
    const second: ChatMessage[] = [
      ...first,
      { role: 'assistant', content: [{ type: 'text', text: onCpu.text }] },
      { role: 'user', content: [{ type: 'text', text: 'Are you sure?' }] },
    ];
    const cpu2 = await cpu.generate(request(second), () => {});
    const gpu2 = await gpu.generate(request(second), () => {});
    expect(gpu2.stats.cachedTokens).toBeGreaterThan(0);
    expect(gpu2.tokenIds).toEqual(cpu2.tokenIds);
  });
});
