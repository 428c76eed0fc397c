/**
 * The Qwen2 language-model side that LLaVA-OneVision and FastVLM share: Qwen2's token layout (ordinary tokens,
 * then <|endoftext|> <|im_start|> <|im_end|> and the family's own specials), its config keys, and the Llama
 * decoder graph with q/k/v biases (Qwen2 `attention_bias`).
 */
import { textSizeConfig } from './hf-config.ts';
import { type LlamaDims, type LlamaWidths, llamaTextDims } from './llama.ts';
import { silentTokenIds } from './silent-tokens.ts';
import { type TokenizerFiles, buildTokenizer, tokenIdOf } from './tokenizer.ts';

/** Qwen2's specials, right after its ordinary tokens (151643, 151644, 151645 in the real vocabulary). */
export const QWEN2_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export function qwen2Tokenizer(options: {
  tokenizerVocab: number;
  /** The family's specials after Qwen2's (`<image>`, …). */
  extraSpecials: readonly string[];
  seed: number;
  chatTemplate: string;
  maxPositions: number;
  processorClass: string;
}): TokenizerFiles {
  return buildTokenizer({
    vocabSize: options.tokenizerVocab,
    leadingSpecials: [],
    trailingSpecials: [...QWEN2_SPECIALS, ...options.extraSpecials],
    seed: options.seed,
    // Qwen2 has no BOS token: nothing is prepended, the chat template starts with <|im_start|>.
    bosToken: '<|endoftext|>',
    eosToken: '<|im_end|>',
    padToken: '<|endoftext|>',
    unkToken: '<|endoftext|>',
    chatTemplate: options.chatTemplate,
    modelMaxLength: options.maxPositions,
    extraConfig: { processor_class: options.processorClass, tokenizer_class: 'Qwen2Tokenizer' },
  });
}

/** A Qwen2 text model of the given widths: rope_theta 1 000 000, rms_norm_eps 1e-6, biases on q/k/v. */
export function qwen2TextDims(widths: LlamaWidths, vocabSize: number, maxPositions: number): LlamaDims {
  return llamaTextDims(widths, vocabSize, maxPositions, {
    ropeTheta: 1_000_000,
    rmsNormEps: 1e-6,
    qkvBias: true,
  });
}

/** Qwen2Config keys for these dimensions (head_dim is hidden / heads in Qwen2). */
export function qwen2Config(t: LlamaDims, tokenizer: TokenizerFiles): Record<string, unknown> {
  if (t.heads * t.headDim !== t.hidden) throw new Error('qwen2: hidden must be heads × headDim');
  return {
    model_type: 'qwen2',
    architectures: ['Qwen2ForCausalLM'],
    ...textSizeConfig(t),
    rope_theta: t.ropeTheta,
    rms_norm_eps: t.rmsNormEps,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    use_sliding_window: false,
    bos_token_id: tokenIdOf(tokenizer, '<|endoftext|>'),
    eos_token_id: tokenIdOf(tokenizer, '<|im_end|>'),
  };
}

/** Tokens greedy decoding should never pick: Qwen2's and the family's specials, and padded vocabulary rows. */
export function qwen2SilentIds(
  t: LlamaDims,
  tokenizer: TokenizerFiles,
  tokenizerVocab: number,
  extraSpecials: readonly string[],
): number[] {
  return silentTokenIds(tokenizer, [...QWEN2_SPECIALS, ...extraSpecials], t.vocabSize, tokenizerVocab);
}
