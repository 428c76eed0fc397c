/** Shared types of the model generator and its per-family parts. */

export type ModelSize = 'tiny' | 'realistic';
/** fp32; q4: MatMulNBits (transformers.js `_q4`); q8: dynamic int8 MatMulInteger (`_quantized`). */
export type ModelDType = 'fp32' | 'q4' | 'q8';

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
}

/** Writes a complete model folder; returns the paths written, relative to `ctx.dir`. */
export type FamilyGenerator = (ctx: GenerateContext) => Promise<string[]>;
