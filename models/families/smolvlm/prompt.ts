/**
 * What one `<image>` placeholder becomes in the prompt, exactly as processing_idefics3 writes it, and how many
 * tokens that text is.
 */

export const IMAGE_TOKEN = '<image>';
export const FAKE_TOKEN_AROUND_IMAGE = '<fake_token_around_image>';
export const GLOBAL_IMAGE_TOKEN = '<global-img>';

/** rows = cols = 0 for a single frame; otherwise one block per tile, row-major, then the global view. */
export function expandImagePrompt(rows: number, cols: number, imageSeqLen: number): string {
  const features = IMAGE_TOKEN.repeat(imageSeqLen);
  const globalView = `${FAKE_TOKEN_AROUND_IMAGE}${GLOBAL_IMAGE_TOKEN}${features}${FAKE_TOKEN_AROUND_IMAGE}`;
  if (rows === 0 && cols === 0) return globalView;
  const parts: string[] = [];
  for (let r = 1; r <= rows; r++) {
    for (let c = 1; c <= cols; c++) parts.push(`${FAKE_TOKEN_AROUND_IMAGE}<row_${r}_col_${c}>${features}`);
    parts.push('\n');
  }
  parts.push('\n', globalView);
  return parts.join('');
}

/**
 * Tokens of expandImagePrompt's text, without a tokenizer. Every marker (`<image>`, `<fake_token_around_image>`,
 * `<global-img>`, `<row_r_col_c>`) is one added token in SmolVLM's vocabulary. A row's `\n` sits between two
 * special tokens, so it is one token; the last row's `\n` and the `\n` before the global view form `\n\n`, which
 * is a single token too (Python's test_processor_idefics3 builds its expected ids that way). So: one newline
 * token per row, and 3 tokens around the global view.
 */
export function promptTokenCount(rows: number, cols: number, imageSeqLen: number): number {
  const frames = rows * cols + 1;
  return frames * imageSeqLen + 2 * rows * cols + rows + 3;
}
