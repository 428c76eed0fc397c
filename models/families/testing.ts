/**
 * Each registered family's parameters for the shared conformance suites (models/testing/*-suite.ts), in one
 * table keyed by family name: its published JSON fixture and what its geometry must report, and its generated
 * tiny test models with the sizes and token counts the runtime must give. The suites run
 * over the registry (conformance-*.test.ts), so a family missing here fails there.
 */
import sharp from 'sharp';
import type { GeometryConformance } from '../testing/geometry-suite.ts';
import { gradientImage, noiseImage } from '../testing/images.ts';
import type { VlmConformance } from '../testing/vlm-suite.ts';
import { fastVlm05b } from './fastvlm/testing.ts';
import { gemma3_4b } from './gemma3/testing.ts';
import { lfm2Vl450m } from './lfm2-vl/testing.ts';
import { llava15 } from './llava/testing.ts';
import { onevision05b } from './llava-onevision/testing.ts';
import { phi35 } from './phi3-v/testing.ts';
import { qwen2Vl2b, qwenTestModel } from './qwen2-vl/testing.ts';
import { smolvlm256m } from './smolvlm/testing.ts';

export const GEOMETRY: Readonly<Record<string, GeometryConformance>> = {
  smolvlm: {
    json: () => smolvlm256m(),
    imageTokenId: 49190,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  llava: {
    json: () => llava15(),
    imageTokenId: 32000,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  'llava-onevision': {
    json: () => onevision05b(),
    imageTokenId: 151646,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  qwen2_vl: {
    json: () => qwen2Vl2b(),
    imageTokenId: 151655,
    imagePlaceholder: '<|image_pad|>',
    defaultDetail: 'high',
    imageToken: '<|image_pad|>',
  },
  lfm2_vl: {
    json: () => lfm2Vl450m(),
    imageTokenId: 396,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  fastvlm: {
    json: () => fastVlm05b(),
    imageTokenId: 151646,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  phi3_v: {
    json: () => phi35(),
    // Read from the tokenizer on first use, which the JSON fixture has none of (phi3-v/config.test.ts).
    imageTokenId: null,
    imagePlaceholder: '<|image|>',
    defaultDetail: 'high',
    imageToken: '<|image|>',
  },
  gemma3: {
    json: () => gemma3_4b(),
    imageTokenId: 262144,
    imagePlaceholder: '<start_of_image>',
    // do_pan_and_scan is unset in gemma-3-4b-it: one view unless asked (gemma3/plan.test.ts sets it).
    defaultDetail: 'low',
    imageToken: '<image_soft_token>',
  },
};

const photoAndOther = () => ({ photo: noiseImage(200, 120, 1), other: noiseImage(90, 160, 2) });

const solid = async (width: number, height: number, level: number) =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: { r: level, g: level, b: level } } })
      .png()
      .toBuffer(),
  );

const qwen = (variant: 'qwen2-vl' | 'qwen2.5-vl'): VlmConformance => ({
  label: variant,
  model: () => qwenTestModel(variant),
  images: () => ({ ...photoAndOther(), detail: noiseImage(640, 480, 3) }),
  family: 'qwen2_vl',
  visionInputNames: ['pixel_values', variant === 'qwen2-vl' ? 'grid_thw' : 'image_grid_thw'],
  // 200×120 → 196×112: 4 × 7 merged patches.
  prompt: { imageTokens: 28, around: ['<|vision_start|>', '<|vision_end|>'] },
  // 3-D rope positions over two images; the second head ends inside the first image's rows.
  incremental: { heads: [5, 30], twoImages: true },
  followUp: 'whole',
  // 640×480: 17 × 23 = 391 tokens at high detail, 13 × 18 = 234 at low.
  detail: { highMinusLow: 391 - 234 },
});

/** Per generated test model (Qwen2-VL has two variants): what the runtime must give on it. */
export const VLM: Readonly<Record<string, readonly VlmConformance[]>> = {
  smolvlm: [
    {
      label: 'SmolVLM',
      model: { family: 'smolvlm' },
      images: photoAndOther,
      family: 'smolvlm',
      visionInputNames: ['pixel_values', 'pixel_attention_mask'],
      // 3 × 4 tiles and the global view, 16 tokens each.
      prompt: { imageTokens: 208, grid: { rows: 3, cols: 4 } },
      incremental: { heads: [5, 40] },
      followUp: 'whole',
    },
  ],
  llava: [
    {
      label: 'LLaVA',
      model: { family: 'llava' },
      images: photoAndOther,
      family: 'llava',
      visionInputNames: ['pixel_values'],
      contextLength: 4096,
      prompt: { imageTokens: 16, textOnly: '<s>USER: \nWhat is this? ASSISTANT:', firstToken: '<s>' },
      // The second head ends inside the image rows.
      incremental: { heads: [5, 12] },
      followUp: 'whole',
      detail: { highMinusLow: 0 },
      // Two placeholders, each "<image>\n": 16 more image tokens and one more newline.
      twoImages: { atLeast: 16 },
      cli: {
        prefix: 'llava',
        planArgs: ['--size', '640x480', '--detail', 'low'],
        exact: true,
        plan: {
          family: 'llava',
          detail: 'low',
          original: { width: 640, height: 480 },
          resized: { width: 74, height: 56 },
          grid: { rows: 1, cols: 1, unit: 'tiles' },
          // Crop x 9…65 of the 74×56 resize: x 77.8…562.2 of the original, rounded outward.
          tiles: [{ x: 77, y: 0, width: 486, height: 480, inputWidth: 56, inputHeight: 56, tokens: 16 }],
          global: null,
          imageTokens: 16,
          promptTokens: 16,
        },
      },
    },
  ],
  'llava-onevision': [
    {
      label: 'LLaVA-OneVision',
      model: { family: 'llava-onevision' },
      // 200×120: best pinpoint 224 × 168, 3 × 4 crops of 56.
      images: photoAndOther,
      family: 'llava-onevision',
      visionInputNames: ['pixel_values'],
      // Base view 16 + the 10 × 16 unpadded grid + 10 newline rows.
      prompt: {
        imageTokens: 186,
        grid: { rows: 3, cols: 4 },
        textOnly: '<|im_start|>user \nWhat is this?<|im_end|><|im_start|>assistant\n',
      },
      incremental: { heads: [5, 40] },
      // llava-hf's template writes a past answer as "<|im_start|>assistant \n…" but asks for one with
      // "<|im_start|>assistant\n": the kept cache serves everything before that last token.
      followUp: { cachedTokens: (turn1) => [turn1.stats.promptTokens - 1] },
      // Low: the base view and its newline row, 17 tokens.
      detail: { highMinusLow: 186 - 17 },
      cli: {
        prefix: 'onevision',
        planArgs: ['--size', '640x480'],
        exact: false,
        // Tiny pinpoints are {1…6} × 56: 640×480 fits 336 × 280 best → 5 rows × 6 columns of 56-pixel crops.
        plan: {
          family: 'llava-onevision',
          detail: 'high',
          grid: { rows: 5, cols: 6, unit: 'tiles' },
          tiles: Array.from({ length: 30 }, () => ({})),
          global: { x: 0, y: 0, width: 640, height: 480, inputWidth: 56, tokens: 16 },
        },
      },
    },
  ],
  qwen2_vl: [
    {
      ...qwen('qwen2-vl'),
      cli: {
        prefix: 'qwen',
        planArgs: ['--size', '640x480', '--detail', 'low'],
        exact: true,
        plan: {
          family: 'qwen2_vl',
          detail: 'low',
          original: { width: 640, height: 480 },
          resized: { width: 504, height: 364 },
          grid: { rows: 13, cols: 18, unit: 'patches' },
          tiles: [{ x: 0, y: 0, width: 640, height: 480, inputWidth: 504, inputHeight: 364, tokens: 234 }],
          global: null,
          imageTokens: 234,
          promptTokens: 236,
        },
      },
    },
    qwen('qwen2.5-vl'),
  ],
  lfm2_vl: [
    {
      label: 'LFM2-VL',
      model: { family: 'lfm2-vl' },
      images: photoAndOther,
      family: 'lfm2_vl',
      visionInputNames: ['pixel_values', 'pixel_attention_mask', 'spatial_shapes'],
      // 2 tiles of 16 and the 15-token thumbnail, between start, end, two tile markers and the thumbnail marker.
      prompt: {
        imageTokens: 16 + 16 + 15,
        textOnly: '<|startoftext|><|im_start|>user\nWhat is this?<|im_end|>\n<|im_start|>assistant\n',
        markerTokens: 5,
        firstToken: '<|startoftext|>',
      },
      // Through the conv states and keys/values: a head that ends inside the image rows, and one of a single token.
      incremental: { heads: [5, 30, 1] },
      // The answer's text re-tokenizes into other ids than were fed, so the cache is no prefix of the new prompt:
      // a conv state cannot be cut back to the common prefix, so all of it is recomputed — never part of it.
      followUp: { cachedTokens: (t) => [0, t.stats.promptTokens + t.tokenIds.length - 1] },
      // Low: one 80×48 view (15 tokens, start and end markers) instead of 2 tiles + thumbnail.
      detail: { highMinusLow: 32 + 3 },
      // The 90×160 image's plan: 52 prompt tokens.
      twoImages: { exactly: 52 },
      cli: {
        prefix: 'lfm2-vl',
        planArgs: ['--size', '200x120'],
        exact: true,
        plan: {
          family: 'lfm2_vl',
          detail: 'high',
          original: { width: 200, height: 120 },
          resized: { width: 128, height: 64 },
          grid: { rows: 1, cols: 2, unit: 'tiles' },
          tiles: [
            { x: 0, y: 0, width: 100, height: 120, inputWidth: 64, inputHeight: 64, tokens: 16 },
            { x: 100, y: 0, width: 100, height: 120, inputWidth: 64, inputHeight: 64, tokens: 16 },
          ],
          global: { x: 0, y: 0, width: 200, height: 120, inputWidth: 80, inputHeight: 48, tokens: 15 },
          imageTokens: 47,
          promptTokens: 52,
        },
      },
    },
  ],
  fastvlm: [
    {
      label: 'FastVLM',
      model: { family: 'fastvlm' },
      images: () => ({ photo: noiseImage(300, 200, 1), other: noiseImage(200, 320, 2) }),
      family: 'fastvlm',
      visionInputNames: ['pixel_values'],
      // The system turn, <|im_start|>user\n<image>×16\n…, and the assistant prompt.
      prompt: {
        imageTokens: 16,
        textOnly:
          '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n\nWhat is this?<|im_end|>\n<|im_start|>assistant\n',
      },
      incremental: { heads: [5, 20] },
      followUp: 'whole',
      detail: { highMinusLow: 0 },
      cli: {
        prefix: 'fastvlm',
        planArgs: ['--size', '640x480'],
        exact: false,
        plan: {
          family: 'fastvlm',
          resized: { width: 341, height: 256 },
          grid: { rows: 1, cols: 1, unit: 'tiles' },
          imageTokens: 16,
        },
      },
    },
  ],
  phi3_v: [
    {
      label: 'Phi-3.5-vision',
      model: { family: 'phi3-v' },
      // Hundreds of random-model image rows average out in attention: two noise images can agree on the greedy
      // tokens, so the answers are compared on images with different content.
      images: () => ({
        photo: noiseImage(400, 300, 1),
        other: gradientImage(400, 300),
        detail: solid(400, 300, 255),
      }),
      timeout: 120_000,
      family: 'phi3_v',
      visionInputNames: ['pixel_values', 'image_sizes'],
      // <|user|>\n<|image|>×757\n…<|end|>\n<|assistant|>\n for a 400×300 image at high detail.
      prompt: { imageTokens: 757, textOnly: '<s><|user|>\n\nWhat is this?<|end|>\n<|assistant|>\n' },
      // A head of 320 ends in the text after the 313 image rows of the low-detail view; one of 200 inside them.
      incremental: { heads: [320, 200], detail: 'low' },
      followUp: 'whole',
      detail: { highMinusLow: 757 - 313 },
      // A second "<|image|>\n": 313 more image tokens and one more newline.
      twoImages: { exactly: 314, detail: 'low' },
      cli: {
        prefix: 'phi3v',
        planArgs: ['--size', '1280x640', '--detail', 'high'],
        exact: false,
        plan: {
          family: 'phi3_v',
          detail: 'high',
          original: { width: 1280, height: 640 },
          resized: { width: 672, height: 336 },
          grid: { rows: 1, cols: 2, unit: 'tiles' },
          tiles: [
            { x: 0, y: 0, width: 640, height: 640, inputWidth: 336, inputHeight: 336, tokens: 144 },
            { x: 640, y: 0, width: 640, height: 640, inputWidth: 336, inputHeight: 336, tokens: 156 },
          ],
          global: { x: 0, y: 0, width: 1280, height: 640, inputWidth: 336, inputHeight: 336, tokens: 157 },
          imageTokens: 457,
          promptTokens: 457,
        },
        askArgs: ['--detail', 'low'],
      },
    },
  ],
  gemma3: [
    {
      label: 'Gemma 3',
      model: { family: 'gemma3' },
      images: photoAndOther,
      family: 'gemma3',
      visionInputNames: ['pixel_values'],
      contextLength: 4096,
      // The image sequence inside the user turn: 16 soft tokens between the markers.
      prompt: { imageTokens: 16, firstToken: '<bos>', around: ['<start_of_image>', '<end_of_image>'] },
      // Past the sliding window (24 positions in the tiny model).
      incremental: { heads: [5, 12], minPromptLength: 25 },
      followUp: 'whole',
      twoImages: { atLeast: 18 },
      cli: {
        prefix: 'gemma3',
        planArgs: ['--size', '1000x400', '--detail', 'high'],
        exact: true,
        plan: {
          family: 'gemma3',
          detail: 'high',
          original: { width: 1000, height: 400 },
          resized: { width: 224, height: 224 },
          grid: { rows: 1, cols: 3, unit: 'tiles' },
          tiles: [
            { x: 0, y: 0, width: 334, height: 400, inputWidth: 224, inputHeight: 224, tokens: 16 },
            { x: 334, y: 0, width: 334, height: 400, inputWidth: 224, inputHeight: 224, tokens: 16 },
            { x: 668, y: 0, width: 332, height: 400, inputWidth: 224, inputHeight: 224, tokens: 16 },
          ],
          global: { x: 0, y: 0, width: 1000, height: 400, inputWidth: 224, inputHeight: 224, tokens: 16 },
          imageTokens: 64,
          promptTokens: 64 + 16 + 16,
        },
      },
    },
  ],
};
