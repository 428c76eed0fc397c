/**
 * SmolVLM / Idefics3 pixel tensors for one image. As in Python, every resize runs on uint8 pixels with the
 * model's kernel (sharp) and rescale/normalise come last, in one pass per frame.
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import { type Rgb, assertPlanFits, normalisationTable, resize } from '../pixels.ts';
import type { SmolVlmConfig } from './config.ts';
import { FAMILY, smolVlmGeometry } from './plan.ts';

export async function preprocessSmolVlm(
  cfg: SmolVlmConfig,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  assertPlanFits(FAMILY, image, plan);
  const { scaled, resized, rows, cols } = smolVlmGeometry(cfg, plan.original, plan.detail);
  const m = cfg.tileSize;
  const frameSize = 3 * m * m;
  const frames = rows * cols + 1;
  const out = new Float32Array(frames * frameSize);
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);

  const step1 = await resize(image, scaled, cfg.kernel);
  const whole = await resize(step1, resized, cfg.kernel);
  if (rows > 0) {
    // The global view resizes on sharp's thread pool while this thread normalises the tiles.
    const globalView = resize(whole, { width: m, height: m }, cfg.kernel);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) writeFrame(lut, whole, c * m, r * m, m, out, (r * cols + c) * frameSize);
    }
    writeFrame(lut, await globalView, 0, 0, m, out, (frames - 1) * frameSize);
  } else {
    writeFrame(lut, whole, 0, 0, m, out, 0);
  }
  return {
    pixel_values: { type: 'float32', dims: [1, frames, 3, m, m], data: out },
    pixel_attention_mask: {
      type: 'bool',
      dims: [1, frames, m, m],
      data: new Uint8Array(frames * m * m).fill(1),
    },
  };
}

/** The m×m window at (x0, y0) of an HWC image → CHW floats at out[offset…]. Cropping costs nothing extra here. */
export function writeFrame(
  lut: Float32Array,
  image: Rgb,
  x0: number,
  y0: number,
  m: number,
  out: Float32Array,
  offset: number,
) {
  const src = image.data;
  const plane = m * m;
  let o = offset;
  for (let y = 0; y < m; y++) {
    let s = ((y0 + y) * image.width + x0) * 3;
    for (let x = 0; x < m; x++, s += 3, o++) {
      out[o] = lut[src[s] as number] as number;
      out[o + plane] = lut[256 + (src[s + 1] as number)] as number;
      out[o + 2 * plane] = lut[512 + (src[s + 2] as number)] as number;
    }
  }
}
