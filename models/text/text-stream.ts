/**
 * Turns generated token ids into text deltas. A token can end in the middle of a UTF-8 sequence (emoji,
 * CJK split across byte tokens); such a tail decodes to U+FFFD, so it is held back until the next token
 * completes it. Stop strings are held back the same way until they can no longer match.
 */
export class TextStream {
  private readonly ids: number[] = [];
  private text = '';
  private emitted = 0;
  stopped = false;

  constructor(
    private readonly decode: (ids: readonly number[]) => string,
    private readonly stopStrings: readonly string[] = [],
  ) {}

  /** Adds a token; returns the text that can be shown now (maybe empty). */
  push(id: number): string {
    this.ids.push(id);
    const decoded = this.decode(this.ids);
    if (decoded.endsWith('\uFFFD')) return '';
    this.text = decoded;
    let visibleEnd = this.text.length;
    for (const stop of this.stopStrings) {
      const at = this.text.indexOf(stop, Math.max(0, this.emitted - stop.length));
      if (at >= 0) {
        this.stopped = true;
        visibleEnd = Math.min(visibleEnd, at);
      }
    }
    if (!this.stopped) visibleEnd -= this.heldForStop();
    return this.take(visibleEnd);
  }

  /** Whatever was held back, once generation ends without a stop string. */
  flush(): string {
    return this.stopped ? '' : this.take(this.text.length);
  }

  /** The answer so far, without any stop string. */
  get answer(): string {
    return this.text.slice(0, this.emitted);
  }

  private take(end: number): string {
    if (end <= this.emitted) return '';
    const delta = this.text.slice(this.emitted, end);
    this.emitted = end;
    return delta;
  }

  /** Length of the longest text suffix that is a proper prefix of some stop string. */
  private heldForStop(): number {
    let held = 0;
    for (const stop of this.stopStrings) {
      for (let n = Math.min(stop.length - 1, this.text.length); n > held; n--) {
        if (this.text.endsWith(stop.slice(0, n))) {
          held = n;
          break;
        }
      }
    }
    return held;
  }
}
