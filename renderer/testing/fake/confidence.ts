/** chat.confidence for the fake: token probabilities made up from an answer's text, the same every time. */
import type { TokenConfidence } from '../../../app/chat.ts';

/**
 * One token per word (with its leading space): every fourth word is uncertain (p 0.2, with alternatives),
 * the others near-certain; the texts join to the answer's text as the engine's do.
 */
export function fakeConfidence(text: string): TokenConfidence[] {
  const words = text.match(/\s*\S+|\s+$/g) ?? [];
  return words.map((word, i) =>
    i % 4 === 3
      ? {
          text: word,
          p: 0.2,
          alternatives: [
            { text: ' perhaps', p: 0.15 },
            { text: ' maybe', p: 0.1 },
            { text: '', p: 0.05 },
          ],
        }
      : { text: word, p: 0.97, alternatives: [{ text: ' the', p: 0.01 }] },
  );
}
