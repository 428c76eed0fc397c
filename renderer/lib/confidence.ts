/**
 * Confidence shading: an answer's token probabilities (TokenConfidence, from the engine) turned into the
 * words and spaces of its plain text, each word with how sure the model was of it. A word spans tokens
 * ("sail" + "boat") and a token spans words (" of the"): a word takes the lowest probability among the
 * tokens that wrote it, and that token's alternatives, since that is where the model hesitated.
 */
import type { TokenAlternative, TokenConfidence } from '../../app/chat.ts';

export type ConfidenceLevel = 'high' | 'medium' | 'low';

/** At or above: no shading. Below MEDIUM_FLOOR: the strongest. */
export const HIGH_FLOOR = 0.8;
export const MEDIUM_FLOOR = 0.4;

export function levelOf(p: number): ConfidenceLevel {
  return p >= HIGH_FLOOR ? 'high' : p >= MEDIUM_FLOOR ? 'medium' : 'low';
}

export type ConfidenceSpan =
  | { kind: 'space'; text: string }
  | {
      kind: 'word';
      text: string;
      /** The lowest probability among the tokens that wrote the word. */
      p: number;
      level: ConfidenceLevel;
      /** The token with that probability, as written (it may be only part of the word, or more). */
      token: string;
      alternatives: TokenAlternative[];
    };

type WordSpan = Extract<ConfidenceSpan, { kind: 'word' }>;

export function confidenceSpans(tokens: readonly TokenConfidence[]): ConfidenceSpan[] {
  const spans: ConfidenceSpan[] = [];
  let word: WordSpan | null = null;
  // A token whose text was held back ('') hesitated too: its probability goes to the next text written.
  let pending: TokenConfidence | null = null;
  for (const token of tokens) {
    if (token.text === '') {
      if (!pending || token.p < pending.p) pending = token;
      continue;
    }
    // The held-back doubt belongs to the token's first word (the character it completed), not its others.
    let weakest: TokenConfidence = pending && pending.p < token.p ? pending : token;
    pending = null;
    for (const piece of token.text.split(/(\s+)/)) {
      if (piece === '') continue;
      if (/^\s/.test(piece)) {
        word = null;
        weakest = token;
        spans.push({ kind: 'space', text: piece });
        continue;
      }
      if (word) {
        word.text += piece;
        if (weakest.p < word.p) setWeakest(word, weakest);
      } else {
        word = { kind: 'word', text: piece, p: 1, level: 'high', token: '', alternatives: [] };
        setWeakest(word, weakest);
        spans.push(word);
      }
    }
  }
  return spans;
}

function setWeakest(word: WordSpan, token: TokenConfidence): void {
  word.p = token.p;
  word.level = levelOf(token.p);
  word.token = token.text;
  word.alternatives = token.alternatives;
}

/** "23 %", "< 1 %" (a probability shown to a person; 0.4 % is not worth a decimal here). */
export function percent(p: number): string {
  if (p > 0 && p < 0.01) return '< 1 %';
  return `${Math.round(p * 100)} %`;
}

/** An alternative or token as shown: its spaces made visible, a special token named. */
export function tokenLabel(text: string): string {
  if (text === '') return 'end of answer or another special token';
  if (text.trim() === '') return text.includes('\n') ? 'a line break' : 'a space';
  return `“${text.trim()}”`;
}
