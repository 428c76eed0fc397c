/**
 * The Gemma 3 vision encoder graph, computed like Gemma3Model.get_image_features: the SigLIP tower (patch
 * convolution with bias, learned positions, no class row, pre-norm layers with gelu-tanh, post_layernorm), then
 * Gemma3MultiModalProjector: the patch rows back onto their grid, average-pooled k × k (k = patches per side /
 * tokens per side; 4 for 896-pixel views), Gemma RMSNorm (mm_soft_emb_norm), and the projection to the text width
 * (mm_input_projection_weight, no bias). Input pixel_values [views, 3, S, S]; output image_features
 * [views, tokens, text hidden].
 */
import type { Layers } from '../../nn.ts';
import { ints } from '../../../runtime/graph-builder.ts';
import { siglipTower } from '../../vit-tower.ts';
import { gemmaRmsNorm } from './generate-decoder.ts';
import type { Gemma3Dims } from './generate-dims.ts';

const TOWER = 'model.vision_tower.vision_model';
const PROJECTOR = 'model.multi_modal_projector';

export function buildGemma3VisionEncoder(nn: Layers, dims: Gemma3Dims): void {
  const g = nn.g;
  const { hidden: D, imageSize: M, patchSize: p, layerNormEps: eps } = dims.vision;
  const grid = M / p;
  const patches = grid * grid;
  const tokensPerSide = Math.round(Math.sqrt(dims.tokensPerView));
  const kernel = grid / tokensPerSide;

  const pixels = g.input('pixel_values', 'float32', ['num_images', 3, M, M]);
  const h = nn.layerNorm(
    siglipTower(nn, pixels, TOWER, dims.vision, patches),
    `${TOWER}.post_layernorm`,
    D,
    eps,
  );

  // [views, patches, D] → [views, D, grid, grid] → average pool → [views, tokens, D].
  const onGrid = g.op('Reshape', [
    g.op('Transpose', [h], { perm: ints([0, 2, 1]) }),
    g.i64([0, D, grid, grid]),
  ]);
  const pooled = g.op('AveragePool', [onGrid], {
    kernel_shape: ints([kernel, kernel]),
    strides: ints([kernel, kernel]),
  });
  const tokens = g.op('Transpose', [g.op('Reshape', [pooled, g.i64([0, D, dims.tokensPerView])])], {
    perm: ints([0, 2, 1]),
  });
  const normed = gemmaRmsNorm(nn, tokens, `${PROJECTOR}.mm_soft_emb_norm`, D, eps);
  const features = nn.linear(normed, `${PROJECTOR}.mm_input_projection`, D, dims.text.hidden);
  g.op('Identity', [features], undefined, 'image_features');
  g.output('image_features', 'float32', ['num_images', dims.tokensPerView, dims.text.hidden]);
}
