/** Which lm_head columns a generated decoder zeroes, so random weights still decode to ordinary text. */
import { type TokenizerFiles, tokenIdOf } from './tokenizer.ts';

/**
 * Tokens greedy decoding should never pick: the family's specials, then the padded vocabulary rows
 * (`tokenizerVocab` … `vocabSize` − 1) that no token has.
 */
export function silentTokenIds(
  tokenizer: TokenizerFiles,
  specials: readonly string[],
  vocabSize: number,
  tokenizerVocab: number,
): number[] {
  const specialIds = specials.map((token) => tokenIdOf(tokenizer, token));
  const padding = Array.from({ length: vocabSize - tokenizerVocab }, (_, i) => tokenizerVocab + i);
  return [...specialIds, ...padding];
}
