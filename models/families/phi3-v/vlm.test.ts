/**
 * Phi-3.5-vision's own runtime cases on its generated tiny model (the shared ones:
 * models/families/conformance-vlm.test.ts): its own graph set (prepare_inputs_embeds as the token embedder,
 * `model` as the decoder, named when missing), and the image changing the logits and the answer.
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
import { promptEmbeds } from '../../testing/kv-invariants.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

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
    const { vision, embed, decoder } = fx.vlm.parts;
    expect([vision, embed, decoder].map((p) => basename(p.session.path))).toEqual([
      'vision_encoder.onnx',
      'prepare_inputs_embeds.onnx',
      'model.onnx',
    ]);
  });

  it('the image changes the logits; three images of different content get three answers', async () => {
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
