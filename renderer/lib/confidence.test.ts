import { describe, expect, it } from 'vitest';
import type { TokenConfidence } from '../../app/chat.ts';
import { confidenceSpans, levelOf, percent, tokenLabel } from './confidence.ts';

const t = (text: string, p: number, alternatives: TokenConfidence['alternatives'] = []): TokenConfidence => ({
  text,
  p,
  alternatives,
});

describe('confidenceSpans', () => {
  it('splits tokens into words and spaces that join back to the text', () => {
    const tokens = [t('A', 0.99), t(' sail', 0.6), t('boat', 0.3), t(' of the', 0.9), t('\n\nred', 0.95)];
    const spans = confidenceSpans(tokens);
    expect(spans.map((s) => s.text).join('')).toBe('A sailboat of the\n\nred');
    expect(spans.map((s) => [s.kind, s.text])).toEqual([
      ['word', 'A'],
      ['space', ' '],
      ['word', 'sailboat'],
      ['space', ' '],
      ['word', 'of'],
      ['space', ' '],
      ['word', 'the'],
      ['space', '\n\n'],
      ['word', 'red'],
    ]);
  });

  it("gives a word its least likely token's probability and alternatives", () => {
    const spans = confidenceSpans([
      t(' sail', 0.6, [{ text: ' row', p: 0.3 }]),
      t('boat', 0.3, [{ text: 'or', p: 0.5 }]),
    ]);
    expect(spans[1]).toEqual({
      kind: 'word',
      text: 'sailboat',
      p: 0.3,
      level: 'low',
      token: 'boat',
      alternatives: [{ text: 'or', p: 0.5 }],
    });
  });

  it('passes the doubt of a held-back token (no text) on to the token that wrote its text', () => {
    const spans = confidenceSpans([t('', 0.1, [{ text: 'x', p: 0.2 }]), t('🚤 ok', 0.99)]);
    expect(spans[0]).toMatchObject({
      text: '🚤',
      p: 0.1,
      level: 'low',
      alternatives: [{ text: 'x', p: 0.2 }],
    });
    expect(spans[2]).toMatchObject({ text: 'ok', p: 0.99, level: 'high' });
  });

  it('maps probabilities to three levels, words and percentages a person reads', () => {
    expect([levelOf(0.95), levelOf(0.8), levelOf(0.79), levelOf(0.4), levelOf(0.39)]).toEqual([
      'high',
      'high',
      'medium',
      'medium',
      'low',
    ]);
    expect([percent(0.234), percent(0.004), percent(0), percent(1)]).toEqual([
      '23 %',
      '< 1 %',
      '0 %',
      '100 %',
    ]);
    expect([tokenLabel(' boat'), tokenLabel(''), tokenLabel(' '), tokenLabel('\n')]).toEqual([
      '“boat”',
      'end of answer or another special token',
      'a space',
      'a line break',
    ]);
  });
});
