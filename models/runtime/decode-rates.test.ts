import { describe, expect, it } from 'vitest';
import { DecodeRateRecorder, FIRST_WINDOW } from './decode-rates.ts';

/** A recorder on a clock the test moves: each token takes `msPerToken[i]`. */
function record(msPerToken: readonly number[], maxWindows?: number) {
  let now = 1000;
  let reads = 0;
  const recorder = new DecodeRateRecorder(
    now,
    () => {
      reads++;
      return now;
    },
    maxWindows,
  );
  for (const ms of msPerToken) {
    now += ms;
    recorder.tick();
  }
  const readsInLoop = reads;
  return { rates: recorder.result(), readsInLoop };
}

describe('decode rates over an answer', () => {
  it('gives tokens per second per window of 16 tokens, the last window shorter', () => {
    // 16 tokens at 10 ms (100 tokens/s), 16 at 20 ms (50 tokens/s), 4 at 40 ms (25 tokens/s).
    const { rates } = record([...Array(16).fill(10), ...Array(16).fill(20), ...Array(4).fill(40)]);
    expect(rates.window).toBe(FIRST_WINDOW);
    expect(rates.tokensPerSecond.map((r) => Math.round(r * 1000) / 1000)).toEqual([100, 50, 25]);
  });

  it('reads the clock once per window, not per token', () => {
    const { readsInLoop } = record(Array(160).fill(5));
    expect(readsInLoop).toBe(10);
  });

  it('stays bounded: past the limit, neighbouring windows merge and the window doubles', () => {
    // 5 windows of 16 tokens with a limit of 4: merged into windows of 32 tokens.
    const { rates } = record([...Array(64).fill(10), ...Array(16).fill(30)], 4);
    expect(rates.window).toBe(32);
    // Two whole windows of 32 tokens at 100 tokens/s, then the fifth 16-token window (33.3 tokens/s) as the
    // start of a third, shorter one.
    expect(rates.tokensPerSecond.map((r) => Math.round(r * 10) / 10)).toEqual([100, 100, 33.3]);
    expect(rates.tokensPerSecond.length).toBeLessThanOrEqual(4);
  });

  it('is empty for an answer with no decode step', () => {
    expect(record([]).rates).toEqual({ window: FIRST_WINDOW, tokensPerSecond: [] });
  });
});
