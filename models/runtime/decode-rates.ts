/**
 * Decode speed over an answer, for the answer's anatomy chart: tokens per second in consecutive windows of
 * tokens. The token loop only counts; a clock is read once per window, so the loop pays nothing per token.
 * The record stays bounded: past `maxWindows` windows, neighbours are merged and the window doubles.
 */
import type { DecodeRates } from '../../app/chat.ts';

export const FIRST_WINDOW = 16;
export const MAX_WINDOWS = 64;

export class DecodeRateRecorder {
  private window = FIRST_WINDOW;
  /** Milliseconds each finished window took. */
  private spans: number[] = [];
  private inWindow = 0;
  private windowStart: number;

  constructor(
    start: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxWindows = MAX_WINDOWS,
  ) {
    this.windowStart = start;
  }

  /** One token decoded. */
  tick(): void {
    if (++this.inWindow < this.window) return;
    const at = this.now();
    this.spans.push(at - this.windowStart);
    this.windowStart = at;
    this.inWindow = 0;
    if (this.spans.length > this.maxWindows) this.merge();
  }

  /** The rates so far; a last, shorter window counts its own tokens. */
  result(): DecodeRates {
    const rate = (tokens: number, ms: number) => (ms > 0 ? (tokens * 1000) / ms : 0);
    const tokensPerSecond = this.spans.map((ms) => rate(this.window, ms));
    if (this.inWindow > 0) tokensPerSecond.push(rate(this.inWindow, this.now() - this.windowStart));
    return { window: this.window, tokensPerSecond };
  }

  private merge(): void {
    const merged: number[] = [];
    for (let i = 0; i + 1 < this.spans.length; i += 2)
      merged.push((this.spans[i] ?? 0) + (this.spans[i + 1] ?? 0));
    // An odd window left over becomes the start of the next, longer one.
    if (this.spans.length % 2 === 1) {
      this.inWindow += this.window;
      this.windowStart -= this.spans[this.spans.length - 1] ?? 0;
    }
    this.spans = merged;
    this.window *= 2;
  }
}
