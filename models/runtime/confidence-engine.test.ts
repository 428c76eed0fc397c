/**
 * Token probabilities from the engine on a tiny generated model (confidence shading, issue 18): one entry per
 * generated token when asked, none otherwise, texts that join to the answer, and the same tokens either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, Sampling } from '../../app/chat.ts';
import { CONFIDENCE_ALTERNATIVES } from '../../app/chat.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { Vlm } from './vlm.ts';

let vlm: Vlm;
let photo: Uint8Array;

beforeAll(async () => {
  vlm = await Vlm.load(await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 }), {
    device: 'cpu',
    dtype: 'fp32',
  });
  photo = await noiseImage(160, 100, 5);
});

afterAll(async () => {
  await vlm?.dispose();
});

const content: ChatMessage['content'] = [
  { type: 'image', data: new Uint8Array(), detail: 'low' },
  { type: 'text', text: 'What is this?' },
];

const ask = (sampling: Sampling) =>
  vlm.generate(
    {
      messages: [
        { role: 'user', content: content.map((p) => (p.type === 'image' ? { ...p, data: photo } : p)) },
      ],
      sampling: { maxTokens: 24, ignoreEos: true, ...sampling },
    },
    () => {},
  );

describe('token probabilities from the engine', () => {
  it('has one entry per token when asked: p in (0, 1], alternatives less likely under greedy, texts joining to the answer', async () => {
    const result = await ask({ confidence: true });
    const tokens = result.confidence ?? [];
    expect(tokens).toHaveLength(result.tokenIds.length);
    expect(tokens.map((t) => t.text).join('')).toBe(result.text);
    for (const token of tokens) {
      expect(token.p).toBeGreaterThan(0);
      expect(token.p).toBeLessThanOrEqual(1);
      expect(token.alternatives).toHaveLength(CONFIDENCE_ALTERNATIVES);
      const ps = token.alternatives.map((a) => a.p);
      expect(ps).toEqual([...ps].sort((a, b) => b - a));
      // Greedy: the chosen token is the likeliest, and together they cannot exceed the whole distribution.
      expect(token.p).toBeGreaterThanOrEqual(ps[0] as number);
      expect(token.p + ps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
      for (const a of token.alternatives) expect(typeof a.text).toBe('string');
    }
  });

  it('is absent unless asked, and asking changes no token', async () => {
    const plain = await ask({});
    const recorded = await ask({ confidence: true });
    expect(plain.confidence).toBeUndefined();
    expect(recorded.tokenIds).toEqual(plain.tokenIds);
    expect(recorded.text).toBe(plain.text);
  });

  it('follows sampling with a seed: the probability of each drawn token, whatever the temperature', async () => {
    const hot = await ask({ confidence: true, temperature: 1.5, seed: 7 });
    const plain = await ask({ temperature: 1.5, seed: 7 });
    expect(hot.tokenIds).toEqual(plain.tokenIds);
    expect(hot.confidence).toHaveLength(hot.tokenIds.length);
  });
});
