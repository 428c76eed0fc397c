/**
 * LFM2-VL encoder feeds for one image, in Python's Lfm2VlImageProcessor order: resize the uint8 image (bilinear
 * with Pillow's antialiasing, as torchvision's antialiased resize does), cut the tiles, then rescale + normalise
 * and flatten each view into 16×16 patch rows (channels last within a patch), zero-padded to max_num_patches.
 * transformers.js instead normalises first and resizes float tensors without antialiasing: the same where an
 * image is enlarged, apart on fine detail where it is shrunk (preprocess.test.ts measures both).
 */
import type { Tile, TilePlan } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import { pillowResize } from '../pillow-resample.ts';
import { type Rgb, assertPlanFits, normalisationTable } from '../pixels.ts';
import type { Lfm2VlConfig } from './config.ts';
import { FAMILY } from './plan.ts';

export async function preprocessLfm2Vl(
  cfg: Lfm2VlConfig,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  assertPlanFits(FAMILY, image, plan);
  const views: Rgb[] = [];
  if (plan.tiles.length === 1 && !plan.global) {
    const only = plan.tiles[0] as Tile;
    views.push(pillowResize(image, { width: only.inputWidth, height: only.inputHeight }, 'bilinear'));
  } else {
    // Tiles are windows of one resize of the whole image to the grid's size.
    const { cols } = plan.grid;
    plan.tiles.forEach((tile, i) => {
      const region = {
        left: (i % cols) * tile.inputWidth,
        top: Math.floor(i / cols) * tile.inputHeight,
        width: tile.inputWidth,
        height: tile.inputHeight,
      };
      views.push(pillowResize(image, plan.resized, 'bilinear', region));
    });
    if (plan.global) {
      const { inputWidth: width, inputHeight: height } = plan.global;
      views.push(pillowResize(image, { width, height }, 'bilinear'));
    }
  }
  return patchFeeds(cfg, views);
}

/** pixel_values [T, max_num_patches, p·p·3], pixel_attention_mask [T, max_num_patches], spatial_shapes [T, 2]. */
export function patchFeeds(cfg: Lfm2VlConfig, views: readonly Rgb[]): Record<string, TensorData> {
  const p = cfg.patchSize;
  const rowLength = p * p * 3;
  const maxPatches = cfg.maxNumPatches;
  const values = new Float32Array(views.length * maxPatches * rowLength);
  const mask = new BigInt64Array(views.length * maxPatches);
  const shapes = new BigInt64Array(views.length * 2);
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);
  views.forEach((view, t) => {
    const ph = Math.floor(view.height / p);
    const pw = Math.floor(view.width / p);
    shapes[2 * t] = BigInt(ph);
    shapes[2 * t + 1] = BigInt(pw);
    mask.fill(1n, t * maxPatches, t * maxPatches + ph * pw);
    let out = t * maxPatches * rowLength;
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        for (let dy = 0; dy < p; dy++) {
          let src = ((py * p + dy) * view.width + px * p) * 3;
          for (let k = 0; k < p * 3; k++, src++) {
            values[out++] = lut[(k % 3) * 256 + (view.data[src] as number)] as number;
          }
        }
      }
    }
  });
  return {
    pixel_values: { type: 'float32', dims: [views.length, maxPatches, rowLength], data: values },
    pixel_attention_mask: { type: 'int64', dims: [views.length, maxPatches], data: mask },
    spatial_shapes: { type: 'int64', dims: [views.length, 2], data: shapes },
  };
}
