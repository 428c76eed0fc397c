import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../runtime/graph-builder.ts';
import { Rng } from '../../random.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { smolvlmDims } from './generate-dims.ts';
import { pixelShuffle } from './generate-vision.ts';

const dims = smolvlmDims('tiny');
const M = dims.vision.imageSize;
const FRAME = 3 * M * M;
let session: ort.InferenceSession;

beforeAll(async () => {
  session = await ort.InferenceSession.create(join(await testModelDir(), 'onnx', 'vision_encoder.onnx'));
});

function randomPixels(frames: number, seed: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(frames * FRAME), -1, 1);
}

async function encode(pixels: Float32Array, mask: Uint8Array, batch: number, frames: number) {
  const out = await session.run({
    pixel_values: new ort.Tensor('float32', pixels, [batch, frames, 3, M, M]),
    pixel_attention_mask: new ort.Tensor('bool', mask, [batch, frames, M, M]),
  });
  const features = out['image_features'] as ort.Tensor;
  return { dims: features.dims, data: features.data as Float32Array };
}

const allTrue = (frames: number) => new Uint8Array(frames * M * M).fill(1);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('generated SmolVLM vision encoder', () => {
  it('gives image_seq_len features of the text hidden size per frame, at a sane scale', async () => {
    const { dims: shape, data } = await encode(randomPixels(2, 1), allTrue(2), 1, 2);
    expect(shape).toEqual([2, dims.imageSeqLen, dims.text.hidden]);
    expect(data.every(Number.isFinite)).toBe(true);
    const std = Math.sqrt(data.reduce((s, v) => s + v * v, 0) / data.length);
    expect(std).toBeGreaterThan(0.2);
    expect(std).toBeLessThan(5);
  });

  it('depends on every pixel', async () => {
    const pixels = randomPixels(1, 2);
    const base = await encode(pixels, allTrue(1), 1, 1);
    const changed = pixels.slice();
    const index = 2 * M * M + 37 * M + 50; // one blue-channel pixel deep inside the tile
    changed[index] = -(changed[index] as number);
    const after = await encode(changed, allTrue(1), 1, 1);
    expect(maxAbsDiff(base.data, after.data)).toBeGreaterThan(1e-4);
  });

  it('depends on pixel_attention_mask: masked patches are not attended', async () => {
    const pixels = randomPixels(1, 3);
    const base = await encode(pixels, allTrue(1), 1, 1);
    const mask = allTrue(1);
    for (let y = 0; y < M; y++) mask.fill(0, y * M + M / 2, y * M + M); // right half off
    const masked = await encode(pixels, mask, 1, 1);
    expect(maxAbsDiff(base.data, masked.data)).toBeGreaterThan(1e-4);
    expect(masked.data.every(Number.isFinite)).toBe(true);

    // A patch counts as attended when any one of its pixels is: re-enabling one pixel per masked patch
    // must give back the unmasked result.
    const p = dims.vision.patchSize;
    for (let y = 0; y < M; y += p) for (let x = M / 2; x < M; x += p) mask[y * M + x] = 1;
    const partial = await encode(pixels, mask, 1, 1);
    expect(maxAbsDiff(base.data, partial.data)).toBeLessThan(1e-5);
  });

  it('drops all-zero padding frames, like real_images_inds', async () => {
    const a = randomPixels(1, 4);
    const b = randomPixels(1, 5);
    const aloneA = await encode(a, allTrue(1), 1, 1);
    const aloneB = await encode(b, allTrue(1), 1, 1);
    // Batch of 2 × 2 frames; the second image has one real frame and one padding frame.
    const pixels = new Float32Array(4 * FRAME);
    pixels.set(a, 0);
    pixels.set(b, FRAME);
    pixels.set(b, 2 * FRAME);
    const mask = allTrue(4).fill(0, 3 * M * M);
    const out = await encode(pixels, mask, 2, 2);
    expect(out.dims).toEqual([3, dims.imageSeqLen, dims.text.hidden]);
    const per = dims.imageSeqLen * dims.text.hidden;
    expect(maxAbsDiff(out.data.subarray(0, per), aloneA.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.data.subarray(2 * per, 3 * per), aloneB.data)).toBeLessThan(1e-5);
  });

  it('keeps the first frame when every frame is padding', async () => {
    const out = await encode(new Float32Array(2 * FRAME), new Uint8Array(2 * M * M), 1, 2);
    expect(out.dims).toEqual([1, dims.imageSeqLen, dims.text.hidden]);
    expect(out.data.every(Number.isFinite)).toBe(true);
  });
});

/** torch-style view/permute on a flat row-major array, to check the graph against the Python code's steps. */
class Nd {
  constructor(
    readonly shape: number[],
    readonly data: number[],
  ) {}
  view(shape: number[]): Nd {
    return new Nd(shape, this.data);
  }
  permute(perm: number[]): Nd {
    const shape = perm.map((p) => this.shape[p] as number);
    const strides = this.shape.map((_, i) => this.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const out: number[] = [];
    const index = new Array<number>(shape.length).fill(0);
    for (let n = 0; n < this.data.length; n++) {
      let src = 0;
      perm.forEach((p, axis) => (src += (index[axis] as number) * (strides[p] as number)));
      out.push(this.data[src] as number);
      for (let axis = shape.length - 1; axis >= 0; axis--) {
        index[axis] = (index[axis] as number) + 1;
        if ((index[axis] as number) < (shape[axis] as number)) break;
        index[axis] = 0;
      }
    }
    return new Nd(shape, out);
  }
}

describe('pixelShuffle', () => {
  it("matches Idefics3Connector.pixel_shuffle's view/permute sequence", async () => {
    const [n, grid, D, s] = [2, 4, 3, 2];
    const seq = grid * grid;
    const data = Array.from({ length: n * seq * D }, (_, i) => i);

    // The Python steps, literally.
    const reference = new Nd([n, seq, D], data)
      .view([n, grid, grid, D])
      .view([n, grid, grid / s, D * s])
      .permute([0, 2, 1, 3])
      .view([n, grid / s, grid / s, D * s * s])
      .permute([0, 2, 1, 3])
      .view([n, seq / (s * s), D * s * s]);

    const g = new GraphBuilder({ name: 'shuffle' });
    g.op('Identity', [pixelShuffle(g, g.input('x', 'float32', ['n', seq, D]), grid, D, s)], undefined, 'y');
    g.output('y', 'float32', ['n', seq / (s * s), D * s * s]);
    const shuffle = await ort.InferenceSession.create(g.toBytes());
    const out = await shuffle.run({ x: new ort.Tensor('float32', Float32Array.from(data), [n, seq, D]) });
    expect(out['y']?.dims).toEqual(reference.shape);
    expect(Array.from(out['y']?.data as Float32Array)).toEqual(reference.data);
  });
});
