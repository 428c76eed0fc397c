/**
 * Each registered family's parameters for the shared conformance suites (models/testing/*-suite.ts), in one
 * table keyed by family name: its published JSON fixture and what its geometry must report, and its generated
 * tiny test models with the sizes and token counts the runtime must give. The suites run
 * over the registry (conformance-*.test.ts), so a family missing here fails there.
 */
import { AutoModelForVision2Seq, Phi3VForCausalLM, type Tensor } from '@huggingface/transformers';
import sharp from 'sharp';
import type { GeneratedFamily } from '../generate/index.ts';
import type { ModelDType } from '../generate/types.ts';
import { expect } from 'vitest';
import type { GeometryConformance } from '../testing/geometry-suite.ts';
import { gradientImage, noiseImage } from '../testing/images.ts';
import type { NotCompared, OracleConformance } from '../testing/oracle-suite.ts';
import { idsOf, maxAbsDiff } from '../testing/oracle-inputs.ts';
import { text } from '../testing/vlm-fixture.ts';
import type { TestModelOptions } from '../testing/test-models.ts';
import type { VlmConformance } from '../testing/vlm-suite.ts';
import { fastVlm05b } from './fastvlm/testing.ts';
import { gemma3_4b } from './gemma3/testing.ts';
import { expectSameGrids, lfm2OracleFeeds, lfm2Vl450m } from './lfm2-vl/testing.ts';
import { llava15 } from './llava/testing.ts';
import { onevision05b, onevisionOracleRun } from './llava-onevision/testing.ts';
import { phi35, phi3OracleRun } from './phi3-v/testing.ts';
import { qwen2Vl2b, qwenOracleRun, qwenTestModel } from './qwen2-vl/testing.ts';
import { smolvlm256m, smolvlmOracleFeeds } from './smolvlm/testing.ts';

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
    // The same weights in the GQA form (make-model --attention gqa): GroupQueryAttention with in-graph rotary, no
    // position_ids; the runtime keeps its BNSH cache per head and feeds it whole (gqa-rewrite.ts, gqa-cache.ts).
    {
      label: 'Gemma 3 (GQA form)',
      model: { family: 'gemma3', attention: 'gqa' },
      images: photoAndOther,
      family: 'gemma3',
      visionInputNames: ['pixel_values'],
      contextLength: 4096,
      prompt: { imageTokens: 16, firstToken: '<bos>', around: ['<start_of_image>', '<end_of_image>'] },
      incremental: { heads: [5, 12], minPromptLength: 25 },
      followUp: 'whole',
      twoImages: { atLeast: 18 },
    },
  ],
};

const tiny = (family: GeneratedFamily, dtype: ModelDType = 'fp32'): TestModelOptions => ({
  family,
  size: 'tiny',
  dtype,
  seed: 1,
});

const qwenOracle = (variant: 'qwen2-vl' | 'qwen2.5-vl'): OracleConformance => ({
  label: variant,
  model: () => qwenTestModel(variant),
  images: () => ({ photo: noiseImage(200, 120, 11), other: noiseImage(90, 150, 12) }),
  feed: { run: qwenOracleRun },
  question: {
    text: 'Describe the picture.',
    prompt:
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe the picture.<|im_end|>\n<|im_start|>assistant\n',
    // 200×120 → 196×112: 4 × 7 merged patches.
    imageTokens: 28,
  },
  quantized: { q4: () => qwenTestModel(variant, 'q4') },
  followUp: { cachedTokens: 'firstPrompt' },
  // Two images of different sizes (on Tessera's ids: see qwenOracleRun).
  twoImages: (a, b) => [a, text('and'), b],
});

/**
 * Per generated test model (Qwen2-VL has two variants): how transformers.js is fed the same folder, and what its
 * processor must give (models/testing/oracle-suite.ts). A family transformers.js cannot run is listed with why.
 */
export const ORACLE: Readonly<Record<string, readonly OracleConformance[] | NotCompared>> = {
  smolvlm: [
    {
      label: 'SmolVLM',
      model: tiny('smolvlm'),
      images: () => ({ photo: noiseImage(200, 120, 11), other: noiseImage(90, 160, 12, 'jpeg') }),
      modelClass: AutoModelForVision2Seq,
      // Its greedy generation runs on Tessera's frames of every image (the processors differ on purpose:
      // docs/preprocessing.md).
      feed: { feeds: smolvlmOracleFeeds },
      // Generation stops at EOS here: at least one token, not all MAX_NEW_TOKENS.
      full: false,
      // 3 × 4 tiles and the global view, 16 tokens each.
      question: {
        prompt: '<|im_start|>User:<image>What is in this image?<end_of_utterance>\nAssistant:',
        imageTokens: 208,
      },
      quantized: { q4: tiny('smolvlm', 'q4'), q8: tiny('smolvlm', 'q8') },
      followUp: { cachedTokens: 'some' },
      twoImages: (a, b) => [a, b, text('How do these differ?')],
    },
  ],
  llava: [
    {
      label: 'LLaVA',
      model: tiny('llava'),
      images: () => ({ photo: noiseImage(200, 120, 11) }),
      // LlavaProcessor takes the images first; its greedy generation runs on Tessera's pixels (the resizes differ
      // on purpose: llava/parity.test.ts).
      feed: { imagesFirst: true },
      question: { prompt: '<s>USER: <image>\nWhat is in this image? ASSISTANT:', imageTokens: 16 },
      quantized: { q4: tiny('llava', 'q4') },
      followUp: { cachedTokens: 'firstPrompt' },
    },
  ],
  'llava-onevision': [
    {
      label: 'LLaVA-OneVision',
      model: tiny('llava-onevision'),
      images: () => ({ photo: noiseImage(200, 120, 11) }),
      // No OneVision processor in transformers.js (its tokenizer stands in), and its OneVision runs the base view
      // only: compared at detail low, where Python, transformers.js and Tessera agree (base rows + image_newline).
      processor: false,
      detail: 'low',
      feed: { run: onevisionOracleRun },
      question: {
        prompt: '<|im_start|>user <image>\nWhat is in this image?<|im_end|><|im_start|>assistant\n',
        imageTokens: 16 + 1,
      },
      quantized: { q4: tiny('llava-onevision', 'q4') },
      followUp: { cachedTokens: 'some' },
    },
  ],
  qwen2_vl: [qwenOracle('qwen2-vl'), qwenOracle('qwen2.5-vl')],
  lfm2_vl: [
    {
      label: 'LFM2-VL',
      model: tiny('lfm2-vl'),
      // Too large for one view: 2×1 tiles + thumbnail.
      images: () => ({ photo: noiseImage(200, 120, 11) }),
      // Lfm2VlProcessor takes the images first; its greedy generation runs on all three of Tessera's encoder
      // feeds (the resizes differ on purpose), so the processors must agree on the grids.
      feed: { imagesFirst: true, feeds: lfm2OracleFeeds },
      check: expectSameGrids,
      question: {
        prompt:
          '<|startoftext|><|im_start|>user\n<image>What is in this image?<|im_end|>\n<|im_start|>assistant\n',
        imageTokens: 16 + 16 + 15,
        inputs: (run, { fx }) => {
          const at = (token: string) => run.inputIds.indexOf(fx.vlm.parts.text.tokenId(token) ?? NaN);
          expect(at('<|img_row_1_col_1|>')).toBe(at('<|image_start|>') + 1);
          expect(at('<|img_row_1_col_2|>')).toBe(at('<|img_row_1_col_1|>') + 17);
          expect(at('<|img_thumbnail|>')).toBe(at('<|img_row_1_col_2|>') + 17);
          // The thumbnail: 200×120 smart-resized to 80×48, 5 × 3 tokens.
          expect(at('<|image_end|>')).toBe(at('<|img_thumbnail|>') + 16);
        },
      },
      quantized: { q4: tiny('lfm2-vl', 'q4') },
      // The answer comes back as text, whose ids differ from those fed: a conv state cannot be cut back to the
      // common prefix, so the cache is either reused whole or recomputed (vlm suite: followUp).
      followUp: { cachedTokens: 'any' },
    },
  ],
  fastvlm: [
    {
      label: 'FastVLM',
      model: tiny('fastvlm'),
      images: () => ({ photo: noiseImage(300, 200, 11) }),
      // LlavaProcessor (over CLIPImageProcessor) takes the images first; LlavaQwen2ForCausalLM's greedy generation
      // runs on Tessera's pixels (the resizes differ, as for LLaVA).
      feed: { imagesFirst: true },
      question: {
        text: 'What are these?',
        prompt:
          '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<image>\nWhat are these?<|im_end|>\n<|im_start|>assistant\n',
        imageTokens: 16,
        inputs: (run) => expect((run.inputs.pixel_values as Tensor).dims).toEqual([1, 3, 256, 256]),
      },
      quantized: { q4: tiny('fastvlm', 'q4') },
      followUp: { cachedTokens: 'some' },
    },
  ],
  phi3_v: [
    {
      label: 'Phi-3.5-vision',
      model: { family: 'phi3-v' },
      images: () => ({
        photo: noiseImage(672, 672, 21), // HD size = its own size: both processors agree
        followUp: noiseImage(500, 300, 22),
      }),
      timeout: { load: 120_000, q4: 180_000 },
      // Phi3VForCausalLM runs vision_encoder → prepare_inputs_embeds → model.
      modelClass: Phi3VForCausalLM,
      feed: { run: phi3OracleRun },
      // transformers.js negates the image token ids; Tessera keeps them and scatters the features itself.
      tesseraIds: (ids) => ids.map(Math.abs),
      question: {
        prompt: '<s><|user|>\n<|image_1|>\nWhat is in this image?<|end|>\n<|assistant|>\n',
        imageTokens: 757,
        inputs: (run, { fx }) => {
          expect(run.inputIds.filter((id) => id === -fx.vlm.parts.family.imageTokenId)).toHaveLength(757);
          expect(idsOf(run.inputs.image_sizes)).toEqual([672, 672]);
          expect(run.inputs.num_img_tokens).toEqual([757]);
          expect(run.inputs.pixel_values.dims).toEqual([1, 5, 3, 336, 336]);
        },
      },
      quantized: { q4: { family: 'phi3-v', dtype: 'q4' } },
      followUp: { cachedTokens: 'firstPrompt' },
      // transformers.js feeds an empty image_features; Tessera the same.
      textOnly: 'Tell me a story about a lighthouse.',
    },
  ],
  gemma3: [
    {
      label: 'Gemma 3',
      model: tiny('gemma3'),
      // The tiny model's view is 224 × 224: this photo needs no resize, so both processors give the same pixels.
      images: () => ({ photo: noiseImage(224, 224, 11) }),
      // Gemma3Processor takes the text first; its greedy generation runs on Tessera's (low detail: one view,
      // the only one transformers.js gives) pixels.
      detail: 'low',
      feed: {},
      question: {
        prompt:
          '<bos><start_of_turn>user\n<start_of_image>What is in this image?<end_of_turn>\n<start_of_turn>model\n',
        imageTokens: 16,
        inputs: (run) => {
          // No resize on either side: the processors agree exactly.
          const theirs = run.inputs.pixel_values as Tensor;
          expect(theirs.dims).toEqual([1, 3, 224, 224]);
          const ours = run.ours.feeds[0]?.pixel_values?.data as Float32Array;
          expect(maxAbsDiff(ours, theirs.data as Float32Array)).toBe(0);
        },
      },
      quantized: { q4: tiny('gemma3', 'q4') },
      followUp: { cachedTokens: 'firstPrompt' },
    },
    // The same weights in the GQA form of current onnx-community exports (make-model --attention gqa):
    // transformers.js feeds it no position_ids and num_logits_to_keep, as Tessera does.
    {
      label: 'Gemma 3 (GQA form)',
      model: { ...tiny('gemma3'), attention: 'gqa' },
      images: () => ({ photo: noiseImage(224, 224, 11) }),
      detail: 'low',
      feed: {},
      question: {
        prompt:
          '<bos><start_of_turn>user\n<start_of_image>What is in this image?<end_of_turn>\n<start_of_turn>model\n',
        imageTokens: 16,
      },
      quantized: { q4: { ...tiny('gemma3', 'q4'), attention: 'gqa' } },
      followUp: { cachedTokens: 'firstPrompt' },
    },
  ],
};
