/**
 * The runtime, unchanged, on a generated tiny Phi-3.5-vision: its own graph set (prepare_inputs_embeds as the
 * token embedder, `model` as the decoder), KV-cache invariants (incremental = full recompute with the image
 * features in the prompt, a follow-up on the kept cache = recompute), answers that depend on the image and the
 * detail, and the `tessera plan` / `tessera ask` commands on the folder.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DecoderStepper } from '../../runtime/generate.ts';
import { KvCache } from '../../runtime/kv-cache.ts';
import { Vlm } from '../../runtime/vlm.ts';
import { gradientImage, noiseImage } from '../../testing/images.ts';
import {
  expectFollowUpMatchesFresh,
  expectIncrementalMatchesFull,
  promptEmbeds,
} from '../../testing/kv-invariants.ts';
import { image, text, useTesseraCli, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const solid = async (level: number) =>
  new Uint8Array(
    await sharp({
      create: { width: 400, height: 300, channels: 3, background: { r: level, g: level, b: level } },
    })
      .png()
      .toBuffer(),
  );

const fx = useTestVlm(
  { family: 'phi3-v' },
  () => ({
    photo: noiseImage(400, 300, 1),
    other: noiseImage(400, 300, 2),
    gradient: gradientImage(400, 300),
    white: solid(255),
  }),
  120_000,
);

describe('Vlm on a tiny generated Phi-3.5-vision', () => {
  it('loads vision_encoder, prepare_inputs_embeds and model as the three roles', () => {
    expect(fx.vlm.info.family).toBe('phi3_v');
    const { vision, embed, decoder } = fx.vlm.parts;
    expect([vision, embed, decoder].map((p) => basename(p.session.path))).toEqual([
      'vision_encoder.onnx',
      'prepare_inputs_embeds.onnx',
      'model.onnx',
    ]);
    expect(fx.vlm.parts.family.visionInputNames).toEqual(['pixel_values', 'image_sizes']);
  });

  it('builds <|user|>\\n<|image|>×757\\n…<|end|>\\n<|assistant|>\\n for a 400×300 image at high detail', async () => {
    const { ids, imageTokens } = await promptEmbeds(fx.vlm, [
      user(image(fx.images.photo), text('What is this?')),
    ]);
    const imageId = fx.vlm.parts.family.imageTokenId;
    expect(imageTokens).toBe(757);
    expect(ids.filter((id) => id === imageId)).toHaveLength(757);
    const textOnly = fx.vlm.parts.text.encode('<s><|user|>\n\nWhat is this?<|end|>\n<|assistant|>\n');
    expect(ids.length).toBe(textOnly.length + 757);
  });

  it('decodes incrementally through the cache exactly as a full recompute, image features included', async () => {
    const messages = [user(image(fx.images.photo, 'low'), text('Tell me about the caches in this picture.'))];
    // A head of 320 ends in the text after the 313 image rows of the low-detail view; one of 200 inside them.
    await expectIncrementalMatchesFull(fx.vlm, messages, [320, 200]);
  }, 120_000);

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    await expectFollowUpMatchesFresh(fx.vlm, [user(image(fx.images.photo), text('Describe it.'))]);
  }, 120_000);

  it('the image changes the logits; distinct images and the detail change the answer', async () => {
    const lastLogits = async (data: Uint8Array) => {
      const { ids, embeds } = await promptEmbeds(fx.vlm, [user(image(data), text('What is this?'))]);
      const stepper = new DecoderStepper(
        fx.vlm.parts.decoder.session,
        KvCache.empty(fx.vlm.parts.decoder.session),
      );
      const logits = await stepper.feed(ids, embeds);
      stepper.cache.dispose();
      return logits;
    };
    const a = await lastLogits(fx.images.photo);
    const b = await lastLogits(fx.images.other);
    expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0)).toBeGreaterThan(1e-3);
    // Hundreds of random-model image rows average out in attention: two noise images can agree on the greedy
    // tokens, so the answers are compared on images with different content.
    const answers = await Promise.all(
      [fx.images.white, fx.images.gradient, fx.images.photo].map(async (data) =>
        (await fx.ask(image(data), 12)).tokenIds.join(),
      ),
    );
    expect(new Set(answers).size).toBe(3);
    const low = await fx.ask(image(fx.images.white, 'low'), 12);
    const high = await fx.ask(image(fx.images.white), 12);
    expect(high.stats.promptTokens - low.stats.promptTokens).toBe(757 - 313);
    expect(low.tokenIds).not.toEqual(high.tokenIds);
  }, 120_000);

  it('answers about two images in one message (each <|image|> expanded)', async () => {
    const two = await fx.greedy([
      user(image(fx.images.photo, 'low'), image(fx.images.gradient, 'low'), text('Compare them.')),
    ]);
    const one = await fx.greedy([user(image(fx.images.photo, 'low'), text('Compare them.'))]);
    // A second "<|image|>\n": 313 more image tokens and one more newline.
    expect(two.stats.promptTokens - one.stats.promptTokens).toBe(314);
    expect(two.tokenIds).toHaveLength(12);
  }, 120_000);
});

describe('a Phi-3.5-vision folder with a graph missing', () => {
  it('names the missing graph file of its role (model, not decoder_model_merged)', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'tessera-phi3v-missing-'));
    try {
      cpSync(fx.dir, copy, { recursive: true });
      rmSync(join(copy, 'onnx', 'model.onnx'));
      await expect(Vlm.load(copy, { device: 'cpu' })).rejects.toThrow(/has no onnx\/model\*\.onnx/);
      rmSync(join(copy, 'onnx', 'prepare_inputs_embeds.onnx'));
      await expect(Vlm.load(copy, { device: 'cpu' })).rejects.toThrow(
        /has no onnx\/prepare_inputs_embeds\*\.onnx/,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('tessera plan / ask on the Phi-3.5-vision folder', () => {
  const cli = useTesseraCli('phi3v');

  it('plan prints the crop grid and the global view', () => {
    const plan = cli.plan(fx.dir, '--size', '1280x640', '--detail', 'high');
    expect(plan).toMatchObject({
      family: 'phi3_v',
      detail: 'high',
      original: { width: 1280, height: 640 },
      resized: { width: 672, height: 336 },
      grid: { rows: 1, cols: 2, unit: 'tiles' },
      global: { x: 0, y: 0, width: 1280, height: 640, inputWidth: 336, inputHeight: 336, tokens: 157 },
      imageTokens: 457,
      promptTokens: 457,
    });
    expect(plan.tiles).toEqual([
      { x: 0, y: 0, width: 640, height: 640, inputWidth: 336, inputHeight: 336, tokens: 144 },
      { x: 640, y: 0, width: 640, height: 640, inputWidth: 336, inputHeight: 336, tokens: 156 },
    ]);
  });

  it('ask streams an answer', () => {
    cli.expectAskStreams(fx.dir, fx.images.photo, { args: ['--detail', 'low'] });
  }, 120_000);
});
