/**
 * The generated FastVLM vision encoder: pixel_values [N, 3, S, S] → image_features [N, (S/64)², text hidden], as
 * onnx-community's graph takes and returns them. Three stride-4 convolutions with GELU (a 64× reduction, like
 * FastViTHD's), one pre-norm attention layer over the cells, then LLaVA's mlp2x_gelu projector.
 */
import type { Layers } from '../../nn.ts';
import { ints } from '../../../runtime/graph-builder.ts';
import { vitEncoderLayer } from '../../vit.ts';
import type { FastVlmDims } from './generate-dims.ts';

const TOWER = 'model.vision_tower';
const PROJECTOR = 'model.mm_projector';

export function buildFastVlmVision(nn: Layers, dims: FastVlmDims): void {
  const g = nn.g;
  const S = dims.imageSize;
  const T = dims.text.hidden;
  const [c1, c2, D] = dims.channels;
  let h = g.input('pixel_values', 'float32', ['num_images', 3, S, S]);
  let inChannels = 3;
  [c1, c2, D].forEach((out, i) => {
    const conv = g.op(
      'Conv',
      [
        h,
        nn.normal(
          `${TOWER}.stages.${i}.conv.weight`,
          [out, inChannels, 4, 4],
          1 / Math.sqrt(inChannels * 16),
        ),
        nn.normal(`${TOWER}.stages.${i}.conv.bias`, [out], 0.02),
      ],
      { kernel_shape: ints([4, 4]), strides: ints([4, 4]) },
    );
    h = i < 2 ? nn.gelu(conv) : conv;
    inChannels = out;
  });
  const cells = dims.imageTokens;
  h = g.op('Transpose', [g.op('Reshape', [h, g.i64([0, D, cells])])], { perm: ints([0, 2, 1]) });
  h = g.op('Add', [h, nn.normal(`${TOWER}.position_embedding`, [cells, D], 0.3)]);
  h = vitEncoderLayer(
    nn,
    h,
    `${TOWER}.attention`,
    { hidden: D, intermediate: D, heads: dims.attentionHeads, layerNormEps: 1e-6 },
    (x) => nn.gelu(x),
  );
  const up = nn.gelu(nn.linear(h, `${PROJECTOR}.0`, D, T, { bias: true }));
  const features = nn.linear(up, `${PROJECTOR}.2`, T, T, { bias: true });
  g.op('Identity', [features], undefined, 'image_features');
  g.output('image_features', 'float32', ['num_images', cells, T]);
}
