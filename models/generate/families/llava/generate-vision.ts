/**
 * The LLaVA-1.5 vision encoder graph, computed like LlavaForConditionalGeneration.get_image_features: the CLIP
 * tower (patch convolution without bias, class embedding, learned positions, pre_layrnorm, pre-norm layers with
 * quick_gelu) read at hidden_states[vision_feature_layer] — no post_layernorm, and the layers after it are never
 * run — then the "default" strategy drops the CLS row and the projector (linear, GELU, linear) maps each patch to
 * the text hidden size.
 */
import type { Layers } from '../../nn.ts';
import { clipTower, llavaProjector } from '../../vit-tower.ts';
import type { LlavaDims } from './generate-dims.ts';

const TOWER = 'model.vision_tower.vision_model';
const PROJECTOR = 'model.multi_modal_projector';

export function buildVisionEncoder(nn: Layers, dims: LlavaDims): void {
  const g = nn.g;
  const { hidden: D, imageSize: M, patchSize: p } = dims.vision;
  const grid = M / p;
  const patches = grid * grid;

  const pixels = g.input('pixel_values', 'float32', ['num_images', 3, M, M]);
  const h = clipTower(nn, pixels, TOWER, dims.vision, dims.computedLayers);

  // vision_feature_select_strategy "default": image_features[:, 1:].
  const selected = g.op('Slice', [h, g.i64([1]), g.i64([patches + 1]), g.i64([1])]);
  const T = dims.text.hidden;
  const features = llavaProjector(nn, selected, PROJECTOR, D, T);
  g.op('Identity', [features], undefined, 'image_features');
  g.output('image_features', 'float32', ['num_images', dims.imageTokens, T]);
}
