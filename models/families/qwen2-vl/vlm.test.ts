/**
 * The runtime, unchanged, on generated tiny Qwen2-VL and Qwen2.5-VL models: KV-cache invariants with 3-D rope
 * positions (incremental = full recompute, a follow-up on the kept cache = recompute), answers that depend on
 * the image and its detail, and the `tessera plan` / `tessera ask` commands on the folder.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Vlm } from '../../runtime/vlm.ts';
import { noiseImage } from '../../testing/images.ts';
import {
  expectFollowUpMatchesFresh,
  expectIncrementalMatchesFull,
  promptEmbeds,
} from '../../testing/kv-invariants.ts';
import { image, text, useTesseraCli, useTestVlm, user } from '../../testing/vlm-fixture.ts';
import { type QwenTestVariant, qwenTestModel } from './testing.ts';

describe.each<QwenTestVariant>(['qwen2-vl', 'qwen2.5-vl'])('Vlm on a tiny generated %s', (variant) => {
  const fx = useTestVlm(
    () => qwenTestModel(variant),
    () => ({ photo: noiseImage(200, 120, 1), other: noiseImage(90, 160, 2), large: noiseImage(640, 480, 3) }),
  );

  it('builds <|vision_start|> <|image_pad|>×(h·w) <|vision_end|> in the prompt', async () => {
    const { vlm, images } = fx;
    const { ids, imageTokens } = await promptEmbeds(vlm, [user(image(images.photo), text('What is this?'))]);
    const { family } = vlm.parts;
    // 200×120 → 196×112: 4 × 7 merged patches.
    expect(imageTokens).toBe(28);
    const first = ids.indexOf(family.imageTokenId);
    expect(ids[first - 1]).toBe(vlm.parts.text.tokenId('<|vision_start|>'));
    expect(ids[first + 28]).toBe(vlm.parts.text.tokenId('<|vision_end|>'));
    expect(ids.filter((id) => id === family.imageTokenId)).toHaveLength(28);
  });

  it('decodes incrementally through the cache exactly as a full recompute, 3-D positions included', async () => {
    const { photo, other } = fx.images;
    const messages = [user(image(photo), text('Tell me about'), image(other), text('these two.'))];
    // The second head ends inside the first image's rows.
    await expectIncrementalMatchesFull(fx.vlm, messages, [5, 30]);
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    await expectFollowUpMatchesFresh(fx.vlm, [user(image(fx.images.photo), text('Describe it.'))]);
  });

  it('changes the answer with the image and with the detail of a large one', async () => {
    const a = await fx.ask(image(fx.images.photo));
    const b = await fx.ask(image(fx.images.other));
    expect(a.tokenIds).not.toEqual(b.tokenIds);
    const high = await fx.ask(image(fx.images.large, 'high'));
    const low = await fx.ask(image(fx.images.large, 'low'));
    // 640×480: 17 × 23 = 391 tokens at high detail, 13 × 18 = 234 at low.
    expect(high.stats.promptTokens - low.stats.promptTokens).toBe(391 - 234);
    expect(high.tokenIds).not.toEqual(low.tokenIds);
  });
});

describe('bad Qwen2-VL folders', () => {
  it('a Qwen2.5-VL config over a Qwen2-VL encoder: the load names the file and the missing grid input', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tessera-qwen-bad-'));
    try {
      const copy = join(scratch, 'model');
      cpSync(await qwenTestModel('qwen2-vl'), copy, { recursive: true });
      const configPath = join(copy, 'config.json');
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(configPath, JSON.stringify({ ...config, model_type: 'qwen2_5_vl' }));
      await expect(Vlm.load(copy, { device: 'cpu', dtype: 'fp32' })).rejects.toThrow(
        /vision_encoder\.onnx lacks the input\(s\) image_grid_thw \(it has pixel_values, grid_thw\)/,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('tessera plan / ask on the Qwen2-VL folder', () => {
  const cli = useTesseraCli('qwen');
  let dir: string;
  beforeAll(async () => {
    dir = await qwenTestModel('qwen2-vl');
  });

  it('plan prints the one view with its merged-patch grid', () => {
    expect(cli.plan(dir, '--size', '640x480', '--detail', 'low')).toEqual({
      family: 'qwen2_vl',
      detail: 'low',
      original: { width: 640, height: 480 },
      resized: { width: 504, height: 364 },
      grid: { rows: 13, cols: 18, unit: 'patches' },
      tiles: [{ x: 0, y: 0, width: 640, height: 480, inputWidth: 504, inputHeight: 364, tokens: 234 }],
      global: null,
      imageTokens: 234,
      promptTokens: 236,
    });
  });

  it('ask streams an answer', async () => {
    cli.expectAskStreams(dir, await noiseImage(200, 120, 1));
  });
});
