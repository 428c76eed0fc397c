/**
 * A video prompt through the generated Qwen2-VL / Qwen2.5-VL models, as the runtime feeds an image prompt:
 * the encoder's rows for the video scattered over the `<|video_pad|>` run, 3-D rope positions with the
 * temporal index (Qwen2-VL) or time (Qwen2.5-VL), the decoder with its KV cache. The cache changes nothing
 * (prefill up to any point, then one token at a time = one pass), and every video input reaches the logits:
 * the frames (pixel_values_videos), the grid (video_grid_thw) and, for Qwen2.5-VL, second_per_grid_t.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../image/decode.ts';
import { DecoderStepper, embedTokens, scatterImageFeatures } from '../../runtime/generate.ts';
import { KvCache } from '../../runtime/kv-cache.ts';
import { readModelJson } from '../../runtime/model-folder.ts';
import { readFloat32, toOrt } from '../../runtime/onnx.ts';
import { Vlm } from '../../runtime/vlm.ts';
import { noiseImage } from '../../testing/images.ts';
import type { Rgb } from '../pixels.ts';
import { type QwenConfig, readQwenConfig } from './config.ts';
import { type QwenTestVariant, qwenTestModel } from './testing.ts';
import { type QwenVideoConfig, readQwenVideoConfig } from './video-config.ts';
import { type VideoTimeScale, mixedPositionIds } from './video-rope.ts';
import { patchifyFrames } from './video-preprocess.ts';

type Grid = [number, number, number];

describe.each<QwenTestVariant>(['qwen2-vl', 'qwen2.5-vl'])(
  '%s: a video prompt on the generated model',
  (variant) => {
    let vlm: Vlm;
    let cfg: QwenConfig;
    let video: QwenVideoConfig;
    /** 4 frames of 56×56: 2 temporal patches of 2 × 2 merged patches, 8 <|video_pad|> tokens. */
    let frames: Rgb[];

    beforeAll(async () => {
      const dir = await qwenTestModel(variant);
      vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
      cfg = readQwenConfig(readModelJson(dir));
      video = readQwenVideoConfig(readModelJson(dir));
      frames = await Promise.all([1, 2, 3, 4].map(async (s) => decodeImage(await noiseImage(56, 56, s))));
    });
    afterAll(() => vlm?.dispose());

    const time = (seconds: number): VideoTimeScale | null =>
      video.tokensPerSecond === null
        ? null
        : { secondsPerTemporalPatch: seconds, tokensPerSecond: video.tokensPerSecond };

    /**
     * The prompt's ids and embeddings with the video's rows in, and its position function. The frames are cut
     * into patch rows for [2, 4, 4]; `grid` is the video_grid_thw the encoder and the rope positions read.
     */
    async function videoPrompt(clip: Rgb[], grid: Grid, seconds = 1) {
      const { vision, embed, text } = vlm.parts;
      const pixels = patchifyFrames(cfg, clip, [2, 4, 4]);
      const out = await vision.session.run({
        pixel_values: toOrt(pixels),
        [cfg.gridInputName]: toOrt({ type: 'int64', dims: [1, 3], data: BigInt64Array.from(grid, BigInt) }),
      });
      if (!out.image_features) throw new Error('no image_features');
      const rows = readFloat32(out.image_features);
      const tokens = (grid[0] * grid[1] * grid[2]) / cfg.mergeSize ** 2;
      const ids = text.encodePrompt(
        '<|im_start|>user\n<|vision_start|>' +
          '<|video_pad|>'.repeat(tokens) +
          '<|vision_end|>What happens?<|im_end|>\n<|im_start|>assistant\n',
      );
      expect(ids.filter((id) => id === video.videoTokenId)).toHaveLength(tokens);
      const featureRow = new Int32Array(ids.length).fill(-1);
      let row = 0;
      ids.forEach((id, i) => id === video.videoTokenId && (featureRow[i] = row++));
      const embeds = await embedTokens(embed.session, ids);
      scatterImageFeatures(embeds, 0, featureRow, [rows]);
      const block = {
        kind: 'video' as const,
        grid: { temporal: grid[0], rows: grid[1] / cfg.mergeSize, cols: grid[2] / cfg.mergeSize },
        time: time(seconds),
      };
      const tokenIds = { image: cfg.imageTokenId, video: video.videoTokenId };
      const positions = (all: readonly number[], start: number, count: number) =>
        mixedPositionIds(all, [block], tokenIds, start, count);
      return { ids, embeds, positions };
    }

    async function lastLogits(prompt: Awaited<ReturnType<typeof videoPrompt>>, head = prompt.ids.length) {
      const { decoder } = vlm.parts;
      const { ids, embeds, positions } = prompt;
      const hidden = embeds.length / ids.length;
      const stepper = new DecoderStepper(decoder.session, KvCache.empty(decoder.session), [], positions);
      let logits = await stepper.feed(ids.slice(0, head), embeds.slice(0, head * hidden));
      for (let i = head; i < ids.length; i++)
        logits = await stepper.feed([ids[i] as number], embeds.slice(i * hidden, (i + 1) * hidden));
      stepper.cache.dispose();
      return logits;
    }

    const diff = (a: Float32Array, b: Float32Array) =>
      a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? NaN))), 0);

    it('the KV cache changes nothing: prefill up to inside the video, then one token at a time', async () => {
      const prompt = await videoPrompt(frames, [2, 4, 4]);
      const full = await lastLogits(prompt);
      const start = prompt.ids.indexOf(video.videoTokenId);
      for (const head of [start + 3, start + 8, prompt.ids.length - 2])
        expect(diff(await lastLogits(prompt, head), full)).toBeLessThan(1e-4);
    });

    it('every video input matters: a frame of the second pair, the grid, and (Qwen2.5-VL) the time per patch', async () => {
      const base = await lastLogits(await videoPrompt(frames, [2, 4, 4]));
      const otherFrame = [frames[0], frames[1], frames[2], frames[0]] as Rgb[];
      expect(diff(await lastLogits(await videoPrompt(otherFrame, [2, 4, 4])), base)).toBeGreaterThan(1e-4);
      // The same 32 patch rows read as one temporal patch of 8 × 4: other attention groups and other positions.
      expect(diff(await lastLogits(await videoPrompt(frames, [1, 8, 4])), base)).toBeGreaterThan(1e-4);
      const slower = await lastLogits(await videoPrompt(frames, [2, 4, 4], 3));
      if (video.tokensPerSecond === null) expect(diff(slower, base)).toBe(0);
      else expect(diff(slower, base)).toBeGreaterThan(1e-4);
    });
  },
);
