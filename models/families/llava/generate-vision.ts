/**
 * The LLaVA-1.5 vision encoder graph, computed like LlavaForConditionalGeneration.get_image_features: the CLIP
 * tower (patch convolution without bias, class embedding, learned positions, pre_layrnorm, pre-norm layers with
 * quick_gelu) read at hidden_states[vision_feature_layer] — no post_layernorm, and the layers after it are never
 * run — then the "default" strategy drops the CLS row and the projector (linear, GELU, linear) maps each patch to
 * the text hidden size.
 */
import type { Layers } from '../../generate/nn.ts';
import { int, ints } from '../../generate/onnx-builder.ts';
import { vitEncoderLayer } from '../../generate/vit.ts';
import type { LlavaDims } from './generate-dims.ts';

const TOWER = 'model.vision_tower.vision_model';
const PROJECTOR = 'model.multi_modal_projector';

export function buildVisionEncoder(nn: Layers, dims: LlavaDims): void {
  const g = nn.g;
  const { hidden: D, imageSize: M, patchSize: p, layerNormEps: eps } = dims.vision;
  const grid = M / p;
  const patches = grid * grid;

  const pixels = g.input('pixel_values', 'float32', ['num_images', 3, M, M]);
  const conv = g.op(
    'Conv',
    [pixels, nn.normal(`${TOWER}.embeddings.patch_embedding.weight`, [D, 3, p, p], 1 / Math.sqrt(3 * p * p))],
    { kernel_shape: ints([p, p]), strides: ints([p, p]) },
  );
  const patchEmbeds = g.op('Transpose', [g.op('Reshape', [conv, g.i64([0, D, patches])])], {
    perm: ints([0, 2, 1]),
  });
  // The class embedding, one row per image, in front of the patches.
  const images = g.op('Slice', [g.op('Shape', [pixels]), g.i64([0]), g.i64([1])]);
  const classRows = g.op('Expand', [
    g.op('Reshape', [nn.normal(`${TOWER}.embeddings.class_embedding`, [D], 1), g.i64([1, 1, D])]),
    g.op('Concat', [images, g.i64([1, D])], { axis: int(0) }),
  ]);
  let h = g.op('Add', [
    g.op('Concat', [classRows, patchEmbeds], { axis: int(1) }),
    nn.normal(`${TOWER}.embeddings.position_embedding.weight`, [patches + 1, D], 0.3),
  ]);
  h = nn.layerNorm(h, `${TOWER}.pre_layrnorm`, D, eps);
  for (let i = 0; i < dims.computedLayers; i++) {
    h = vitEncoderLayer(nn, h, `${TOWER}.encoder.layers.${i}`, dims.vision, (x) => nn.quickGelu(x));
  }

  // vision_feature_select_strategy "default": image_features[:, 1:].
  const selected = g.op('Slice', [h, g.i64([1]), g.i64([patches + 1]), g.i64([1])]);
  const T = dims.text.hidden;
  const up = nn.gelu(nn.linear(selected, `${PROJECTOR}.linear_1`, D, T, { bias: true }));
  const features = nn.linear(up, `${PROJECTOR}.linear_2`, T, T, { bias: true });
  g.op('Identity', [features], undefined, 'image_features');
  g.output('image_features', 'float32', ['num_images', dims.imageTokens, T]);
}
