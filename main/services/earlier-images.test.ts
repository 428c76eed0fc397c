/** Which images go at Low detail when a thread sends earlier images that way, and when that is offered. */
import { describe, expect, it } from 'vitest';
import type { ImageRef, MessagePart, TokenEstimate } from '../../app/ipc/contract.ts';
import { earlierImagesAtLow, withEarlierAtLow } from './earlier-images.ts';

const image = (sha: string, detail: ImageRef['detail']): MessagePart => ({
  type: 'image',
  image: { sha256: sha.repeat(64), name: `${sha}.png`, mime: 'image/png', width: 800, height: 600, detail },
});
const text = (t: string): MessagePart => ({ type: 'text', text: t });
const user = (id: string, ...parts: MessagePart[]) => ({ id, role: 'user' as const, parts });
const answer = (id: string) => ({ id, role: 'assistant' as const, parts: [text('ok')] });
const details = (m: { parts: readonly MessagePart[] }) =>
  m.parts.flatMap((p) => (p.type === 'image' ? [p.image.detail] : []));

describe('earlierImagesAtLow', () => {
  const path = [
    user('q1', image('a', 'high'), text('first')),
    answer('a1'),
    user('q2', text('no image')),
    answer('a2'),
    user('q3', image('b', 'low'), image('c', 'high')),
    answer('a3'),
    user('q4', image('d', 'high'), text('newest')),
  ];

  it('lowers every image before the newest question and names the questions changed', () => {
    const { path: out, lowered } = earlierImagesAtLow(path);
    expect(out.map(details)).toEqual([['low'], [], [], [], ['low', 'low'], [], ['high']]);
    expect(lowered).toEqual(['q1', 'q3']);
    // The text and the other fields stay; messages with nothing to lower are the same objects.
    expect(out[0]?.parts[1]).toEqual(text('first'));
    expect(out[2]).toBe(path[2]);
    expect(out[6]).toBe(path[6]);
  });

  it('leaves the stored messages as they were', () => {
    earlierImagesAtLow(path);
    expect(path.map(details)).toEqual([['high'], [], [], [], ['low', 'high'], [], ['high']]);
  });

  it('treats the newest question as the last one even when an answer follows it', () => {
    const { lowered } = earlierImagesAtLow([user('q1', image('a', 'high')), answer('a1')]);
    expect(lowered).toEqual([]);
  });

  it('changes nothing when every earlier image is already at Low', () => {
    const already = [user('q1', image('a', 'low')), answer('a1'), user('q2', image('b', 'high'))];
    expect(earlierImagesAtLow(already)).toEqual({ path: already, lowered: [] });
  });
});

describe('withEarlierAtLow', () => {
  /** Counts 200 tokens per High image, 20 per Low one, 10 per message; the window is `context`. */
  const counter = (context: number) => {
    const calls: string[][][] = [];
    const count = async (p: ReadonlyArray<{ parts: readonly MessagePart[] }>): Promise<TokenEstimate> => {
      calls.push(p.map(details));
      const promptTokens = p.reduce(
        (sum, m) => sum + 10 + details(m).reduce((s, d) => s + (d === 'high' ? 200 : 20), 0),
        0,
      );
      return { promptTokens, contextLength: context, fits: promptTokens < context, exact: true };
    };
    return { count, calls };
  };
  const twoImages = [user('q1', image('a', 'high')), answer('a1'), user('q2', image('b', 'high'))];

  it('counts once and offers nothing when the prompt fits', async () => {
    const { count, calls } = counter(1000);
    expect(await withEarlierAtLow(twoImages, count)).toEqual({
      promptTokens: 430,
      contextLength: 1000,
      fits: true,
      exact: true,
    });
    expect(calls).toHaveLength(1);
  });

  it('adds the count with earlier images at Low when the prompt does not fit', async () => {
    const { count, calls } = counter(400);
    const estimate = await withEarlierAtLow(twoImages, count);
    expect(estimate).toMatchObject({
      promptTokens: 430,
      fits: false,
      earlierAtLow: { promptTokens: 250, fits: true },
    });
    expect(calls).toEqual([
      [['high'], [], ['high']],
      [['low'], [], ['high']],
    ]);
  });

  it('says so when even Low detail would not make it fit', async () => {
    const { count } = counter(240);
    const estimate = await withEarlierAtLow(twoImages, count);
    expect(estimate.earlierAtLow).toEqual({ promptTokens: 250, fits: false });
  });

  it('offers nothing when there is no earlier image to lower', async () => {
    const { count, calls } = counter(100);
    const newestOnly = [user('q1', text('hi')), answer('a1'), user('q2', image('b', 'high'))];
    const estimate = await withEarlierAtLow(newestOnly, count);
    expect(estimate.fits).toBe(false);
    expect(estimate.earlierAtLow).toBeUndefined();
    expect(calls).toHaveLength(1);
  });
});
