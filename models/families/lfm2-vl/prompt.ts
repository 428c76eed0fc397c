/**
 * What one `<image>` becomes in the prompt, as Python's Lfm2VlProcessor writes it: `<|image_start|>`, then for a
 * tiled image each tile's `<|img_row_r_col_c|>` marker (1-based) and its image tokens, then `<|img_thumbnail|>` and
 * the thumbnail's tokens; an image in one view is its tokens alone; `<|image_end|>` closes.
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import type { Lfm2VlConfig } from './config.ts';

export function expandImagePrompt(cfg: Lfm2VlConfig, plan: TilePlan): string {
  const { cols } = plan.grid;
  let text = cfg.imageStart;
  if (plan.tiles.length > 1) {
    plan.tiles.forEach((tile, i) => {
      const marker = `<|img_row_${Math.floor(i / cols) + 1}_col_${(i % cols) + 1}|>`;
      text += marker + cfg.imageToken.repeat(tile.tokens);
    });
    if (plan.global) text += cfg.thumbnailToken + cfg.imageToken.repeat(plan.global.tokens);
  } else {
    text += cfg.imageToken.repeat((plan.tiles[0]?.tokens ?? 0) + (plan.global?.tokens ?? 0));
  }
  return text + cfg.imageEnd;
}
