/**
 * The speed and ETA of one run of a download: bytes moved over the network (not what was already on disk),
 * over a sliding window of samples.
 */

/** A speed sample at most this often: bounds the samples kept for a window. */
const SAMPLE_EVERY_MS = 100;

export class RateMeter {
  /** Per file, the bytes counted so far in this run (starts at what was on disk). */
  private readonly counted = new Map<string, number>();
  /** Bytes moved over the network in this run, and samples of it for the speed. */
  private moved = 0;
  private readonly samples: { at: number; moved: number }[] = [];
  bytesPerSecond = 0;
  etaSeconds: number | null = null;

  /** `windowMs`: how far back the speed looks. */
  constructor(private readonly windowMs: number) {}

  /** `bytes` of `path` were on disk before this run: not network traffic. */
  onDisk(path: string, bytes: number): void {
    this.counted.set(path, bytes);
  }

  /** `path` now holds `bytes`. */
  count(path: string, bytes: number): void {
    // Only growth past what was counted is network traffic: a resumed file first reports its partial size.
    const counted = this.counted.get(path) ?? 0;
    if (bytes > counted) this.moved += bytes - counted;
    this.counted.set(path, bytes);
  }

  /**
   * Speed over the last `windowMs`: bytes moved since the oldest sample in the window, per second; and the
   * ETA of the `total - bytes` left at that speed.
   */
  sample(now: number, bytes: number, total: number): void {
    const { samples } = this;
    const last = samples.at(-1);
    if (!last || now - last.at >= SAMPLE_EVERY_MS) samples.push({ at: now, moved: this.moved });
    else last.moved = this.moved;
    // Keep one sample at or before the window's start, so the window is always covered.
    while (samples.length > 2 && (samples[1]?.at ?? now) <= now - this.windowMs) samples.shift();
    const first = samples[0];
    const seconds = first ? (now - first.at) / 1000 : 0;
    this.bytesPerSecond = first && seconds > 0 ? Math.max(0, (this.moved - first.moved) / seconds) : 0;
    const left = total - bytes;
    this.etaSeconds =
      total > 0 && this.bytesPerSecond > 0 ? Math.ceil(Math.max(0, left) / this.bytesPerSecond) : null;
  }

  /** The job is not running: no speed, no ETA. */
  stop(): void {
    this.bytesPerSecond = 0;
    this.etaSeconds = null;
  }
}
