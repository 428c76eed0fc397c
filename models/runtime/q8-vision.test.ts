/**
 * The q8 (dynamic int8) vision encoder Tessera prefers on the CPU (model-folder.ts): chosen by default where the
 * folder has it, and its image features held to a pinned tolerance of the float encoder's, on a generated
 * SmolVLM whose folder holds both variants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../image/decode.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { readFloat32, toOrt } from './onnx.ts';
import { Vlm } from './vlm.ts';

/** Largest feature difference allowed, as a share of the float features' largest magnitude. */
const TOLERANCE = 0.05;

let chosen: Vlm;
let float: Vlm;

beforeAll(async () => {
  const dir = await testModelDir({ family: 'smolvlm', dtype: 'fp32', extraDtypes: ['q8'], seed: 7 });
  chosen = await Vlm.load(dir, { device: 'cpu' });
  float = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
});

afterAll(async () => {
  await chosen?.dispose();
  await float?.dispose();
});

async function features(vlm: Vlm, png: Uint8Array): Promise<Float32Array> {
  const { family, vision } = vlm.parts;
  const image = await decodeImage(png);
  const plan = family.planImage({ width: image.width, height: image.height }, family.defaultDetail);
  const feeds = await family.preprocess(image, plan);
  const out = await vision.session.run(
    Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toOrt(t)])),
  );
  if (!out.image_features) throw new Error('no image_features');
  return Float32Array.from(readFloat32(out.image_features));
}

describe('q8 vision encoder on the CPU', () => {
  it('is the variant chosen by default where the folder has it', () => {
    expect(chosen.info.providers.vision).toEqual({ provider: 'cpu', dtype: 'q8' });
    expect(float.info.providers.vision).toEqual({ provider: 'cpu', dtype: 'fp32' });
  });

  it(`keeps image features within ${TOLERANCE * 100} % of the float encoder's largest value`, async () => {
    const png = await noiseImage(300, 200, 8);
    const [q8, fp32] = [await features(chosen, png), await features(float, png)];
    expect(q8.length).toBe(fp32.length);
    let diff = 0;
    let peak = 0;
    for (let i = 0; i < fp32.length; i++) {
      diff = Math.max(diff, Math.abs((q8[i] ?? NaN) - (fp32[i] ?? NaN)));
      peak = Math.max(peak, Math.abs(fp32[i] ?? 0));
    }
    expect(diff).toBeGreaterThan(0); // int8 arithmetic really ran
    expect(diff / peak).toBeLessThan(TOLERANCE);
  });
});
