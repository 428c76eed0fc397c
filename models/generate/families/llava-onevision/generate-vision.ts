/**
 * The LLaVA-OneVision vision encoder graph, computed like LlavaOnevisionModel.get_image_features followed by the
 * newline weight: the SigLIP tower (patch convolution with bias, learned positions, pre-norm layers with
 * gelu_pytorch_tanh) read at hidden_states[-1] (no post_layernorm), every row kept ("full"), the projector
 * (linear, GELU, linear) — then the rows of all views flattened and `model.image_newline` appended as the last
 * row, which arrangeFeatures uses to close each feature-grid row.
 */
import type { Layers } from '../../nn.ts';
import { int } from '../../../runtime/graph-builder.ts';
import { llavaProjector, siglipTower } from '../../vit-tower.ts';
import type { OnevisionDims } from './generate-dims.ts';

const TOWER = 'model.vision_tower.vision_model';
const PROJECTOR = 'model.multi_modal_projector';

export function buildOnevisionVision(nn: Layers, dims: OnevisionDims): void {
  const g = nn.g;
  const { hidden: D, imageSize: M } = dims.vision;
  const T = dims.text.hidden;

  const pixels = g.input('pixel_values', 'float32', ['num_views', 3, M, M]);
  const h = siglipTower(nn, pixels, TOWER, dims.vision, dims.viewTokens);
  const projected = llavaProjector(nn, h, PROJECTOR, D, T);
  const rows = g.op('Reshape', [projected, g.i64([-1, T])]);
  const newline = g.op('Reshape', [nn.normal('model.image_newline', [T], 1), g.i64([1, T])]);
  g.op('Concat', [rows, newline], { axis: int(0) }, 'image_features');
  g.output('image_features', 'float32', ['image_feature_rows', T]);
}
