/** Shared types of the model generator and its per-family parts. */

export type ModelSize = 'tiny' | 'realistic';
/** fp32; q4: MatMulNBits (transformers.js `_q4`); q8: dynamic int8 MatMulInteger (`_quantized`). */
export type ModelDType = 'fp32' | 'q4' | 'q8';
/**
 * How the decoder's attention is written: `plain` ops with a `position_ids` input (every family), or `gqa`, the
 * form newer onnx-community exports use (fused `com.microsoft.GroupQueryAttention` with in-graph rotary, no
 * `position_ids`, a `num_logits_to_keep` input); families with a GQA-form builder list it in GQA_FAMILIES.
 */
export type AttentionForm = 'plain' | 'gqa';

/** What a family generator is asked to write. */
export interface GenerateContext {
  /** Empty folder to write into (a temporary one; the caller renames it into place). */
  dir: string;
  size: ModelSize;
  dtype: ModelDType;
  /** More variants of every graph in the same folder (a Hub repo ships several: `_q4`, `_quantized`, …). */
  extraDtypes?: readonly ModelDType[];
  seed: number;
  /** Put weights in `<graph>.onnx_data` files beside the graphs. */
  externalData: boolean;
  /** Overrides the size's `max_position_embeddings`. */
  contextLength?: number;
  /** The decoder's attention form (default plain). */
  attention?: AttentionForm;
}

/** Writes a complete model folder; returns the paths written, relative to `ctx.dir`. */
export type FamilyGenerator = (ctx: GenerateContext) => Promise<string[]>;
