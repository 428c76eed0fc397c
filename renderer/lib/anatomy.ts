/**
 * The numbers behind an answer's anatomy (components/AnatomyPanel.tsx): the vision encoder's views, the
 * connector that turned patches into tokens, and what the language model read and how fast it wrote.
 * Everything comes from the answer's stats; fields older or remote answers lack come back as null, so the
 * panel can say what is not known rather than guess.
 */
import type { DecodeRates, GenerationStats, ImageEncodeStats } from '../../app/chat.ts';
import type { Tile, TilePlan } from '../../app/tile-plan.ts';

/** How each family's connector turns encoder patches into language-model tokens (its architecture). */
const CONNECTORS: Readonly<Record<string, string>> = {
  smolvlm: 'pixel shuffle, then a linear projection',
  idefics3: 'pixel shuffle, then a linear projection',
  llava: 'an MLP projection, one token per patch',
  llava_onevision: 'an MLP projection, one token per patch',
  qwen2_vl: 'a patch merger (neighbouring patches concatenated, then an MLP)',
  lfm2_vl: 'pixel unshuffle, then an MLP',
  fastvlm: 'a convolutional encoder that downsamples, then an MLP projection',
  phi3_v: 'neighbouring patches concatenated, then an MLP projection',
  gemma3: 'average pooling of the patch grid, then a linear projection',
};

export function connectorOf(family: string | undefined): string | null {
  return family ? (CONNECTORS[family.replace(/-/g, '_')] ?? null) : null;
}

/** The views of an image in the order the encoder takes them: the global view first, where there is one. */
export function viewsOf(plan: TilePlan): Tile[] {
  return plan.global ? [plan.global, ...plan.tiles] : plan.tiles;
}

export interface Merge {
  /** Side in input pixels of the square one token stands for. */
  pixelsPerToken: number;
  /** Patches per token side (2 for 2×2 → 1), where the patch size is known and the division is whole. */
  patchesPerSide: number | null;
}

/** What one token of a view covers: pixels per side, and the patches merged into it. */
export function mergeOf(
  view: Pick<Tile, 'inputWidth' | 'inputHeight' | 'tokens'>,
  patchSize?: number,
): Merge {
  const pixelsPerToken = view.tokens > 0 ? Math.sqrt((view.inputWidth * view.inputHeight) / view.tokens) : 0;
  let patchesPerSide: number | null = null;
  if (patchSize && pixelsPerToken > 0) {
    const side = pixelsPerToken / patchSize;
    // Views with extra tokens (a newline per row) land near, not on, a whole number: not a clean merge.
    if (Math.abs(side - Math.round(side)) < 0.02 && Math.round(side) >= 1) patchesPerSide = Math.round(side);
  }
  return { pixelsPerToken, patchesPerSide };
}

/** A view's share: of its image's tokens and of the whole prompt. */
export function shareOf(
  view: Pick<Tile, 'tokens'>,
  plan: Pick<TilePlan, 'imageTokens'>,
  promptTokens: number,
) {
  return {
    ofImage: plan.imageTokens > 0 ? view.tokens / plan.imageTokens : 0,
    ofPrompt: promptTokens > 0 ? view.tokens / promptTokens : 0,
  };
}

export interface PromptMakeup {
  /** Served from the thread's kept KV cache. */
  cached: number;
  /** Prefilled for this answer. */
  prefilled: number;
  /** Image tokens (placeholders and markers) of every image; null where the answer did not record images. */
  image: number | null;
  /** The rest: text, template and earlier answers. */
  text: number | null;
}

export function promptMakeup(stats: GenerationStats): PromptMakeup {
  const cached = Math.min(stats.cachedTokens, stats.promptTokens);
  const image = stats.images ? stats.images.reduce((sum, i) => sum + i.plan.promptTokens, 0) : null;
  return {
    cached,
    prefilled: stats.promptTokens - cached,
    image,
    text: image === null ? null : Math.max(0, stats.promptTokens - image),
  };
}

export interface RateSummary {
  min: number;
  max: number;
  first: number;
  last: number;
}

export function summariseRates(rates: DecodeRates): RateSummary | null {
  const values = rates.tokensPerSecond;
  if (values.length === 0) return null;
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    first: values[0] ?? 0,
    last: values[values.length - 1] ?? 0,
  };
}

/** "encoded for this answer in 412 ms" or "from the cache (encoded in 412 ms when attached)". */
export function encodeNote(
  image: Pick<ImageEncodeStats, 'cached' | 'encodeMs'>,
  format: (ms: number) => string,
) {
  return image.cached
    ? `from the cache (encoded in ${format(image.encodeMs)} when attached or asked about earlier)`
    : `encoded for this answer in ${format(image.encodeMs)}`;
}
