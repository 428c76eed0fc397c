/**
 * Phi-3-vision encoder inputs for one image, in Python's Phi3VImageProcessor order: HD-resize the uint8 image
 * (PIL BILINEAR, as torchvision's resize of a PIL image), pad it with white to multiples of 336, rescale and
 * normalise, then stack the global view (the whole canvas through torch's bicubic interpolate to 336 × 336)
 * and the exact 336 × 336 crops, zero frames after them up to num_crops + 1. `image_sizes` is the canvas size.
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import { pillowResize } from '../pillow-resample.ts';
import { assertPlanFits, normalisationTable, resize } from '../pixels.ts';
import { CROP_SIDE, type Phi3vConfig } from './config.ts';
import { FAMILY, cropsFor, hdGeometry } from './plan.ts';

export async function preprocessPhi3v(
  cfg: Phi3vConfig,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  assertPlanFits(FAMILY, image, plan);
  const crops = cropsFor(cfg, plan.detail);
  const hd = hdGeometry(plan.original, crops);
  const canvas = await normalisedCanvas(cfg, image, hd.resized, hd.padded, hd.content);
  const { width: W, height: H } = hd.padded;
  const frame = 3 * CROP_SIDE * CROP_SIDE;
  // Frames past the used crops stay zero (pad_to_max_num_crops_tensor).
  const out = new Float32Array((crops + 1) * frame);
  out.set(bicubicResize(canvas, W, H, CROP_SIDE, CROP_SIDE), 0);
  for (let r = 0; r < hd.rows; r++) {
    for (let c = 0; c < hd.cols; c++) {
      const at = (1 + r * hd.cols + c) * frame;
      for (let ch = 0; ch < 3; ch++) {
        for (let y = 0; y < CROP_SIDE; y++) {
          const from = ch * W * H + (r * CROP_SIDE + y) * W + c * CROP_SIDE;
          out.set(canvas.subarray(from, from + CROP_SIDE), at + ch * CROP_SIDE * CROP_SIDE + y * CROP_SIDE);
        }
      }
    }
  }
  return {
    pixel_values: { type: 'float32', dims: [1, crops + 1, 3, CROP_SIDE, CROP_SIDE], data: out },
    image_sizes: { type: 'int64', dims: [1, 2], data: BigInt64Array.of(BigInt(H), BigInt(W)) },
  };
}

/** The HD resize placed on a white canvas, rescaled and normalised: [3, H, W] planes. */
async function normalisedCanvas(
  cfg: Phi3vConfig,
  image: DecodedImage,
  resized: { width: number; height: number },
  padded: { width: number; height: number },
  content: { left: number; top: number; width: number; height: number },
): Promise<Float32Array> {
  // Shrinking runs in sharp (within a few levels of Pillow); enlarging, where libvips samples off Pillow's grid,
  // runs in the Pillow port.
  const enlarges = resized.width > image.width || resized.height > image.height;
  const pixels = enlarges ? pillowResize(image, resized, 'bilinear') : await resize(image, resized, 'linear');
  const lut = normalisationTable(1 / 255, cfg.imageMean, cfg.imageStd);
  const { width: W, height: H } = padded;
  const plane = W * H;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) out.fill(lut[c * 256 + 255] as number, c * plane, (c + 1) * plane);
  const src = pixels.data;
  let s = 0;
  for (let y = 0; y < content.height; y++) {
    let o = (content.top + y) * W + content.left;
    for (let x = 0; x < content.width; x++, s += 3, o++) {
      out[o] = lut[src[s] as number] as number;
      out[o + plane] = lut[256 + (src[s + 1] as number)] as number;
      out[o + 2 * plane] = lut[512 + (src[s + 2] as number)] as number;
    }
  }
  return out;
}

/**
 * torch.nn.functional.interpolate(mode='bicubic', align_corners=False) of [3, inH, inW] planes: source
 * (i + 0.5) · in/out − 0.5, Keys' cubic with a = −0.75, indices clamped to the edge, no antialiasing.
 */
export function bicubicResize(
  planes: Float32Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
): Float32Array {
  const across = cubicTaps(inW, outW);
  const down = cubicTaps(inH, outH);
  const rows = new Float32Array(inH * outW);
  const out = new Float32Array(3 * outW * outH);
  for (let c = 0; c < 3; c++) {
    const base = c * inW * inH;
    for (let y = 0; y < inH; y++) {
      for (let x = 0; x < outW; x++) {
        let sum = 0;
        for (let k = 0; k < 4; k++)
          sum +=
            (planes[base + y * inW + (across.index[x * 4 + k] as number)] as number) *
            (across.weight[x * 4 + k] as number);
        rows[y * outW + x] = sum;
      }
    }
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        let sum = 0;
        for (let k = 0; k < 4; k++)
          sum +=
            (rows[(down.index[y * 4 + k] as number) * outW + x] as number) *
            (down.weight[y * 4 + k] as number);
        out[c * outW * outH + y * outW + x] = sum;
      }
    }
  }
  return out;
}

function cubicTaps(inSize: number, outSize: number) {
  const A = -0.75;
  const near = (t: number) => ((A + 2) * t - (A + 3)) * t * t + 1;
  const far = (t: number) => ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = (i + 0.5) * scale - 0.5;
    const x0 = Math.floor(src);
    const t = src - x0;
    const w = [far(t + 1), near(t), near(1 - t), far(2 - t)];
    for (let k = 0; k < 4; k++) {
      index[i * 4 + k] = Math.min(inSize - 1, Math.max(0, x0 - 1 + k));
      weight[i * 4 + k] = w[k] as number;
    }
  }
  return { index, weight };
}
