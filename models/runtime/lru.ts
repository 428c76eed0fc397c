/** A map bounded by a byte budget; the least recently used entries go first. */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private used = 0;

  constructor(
    private budget: number,
    private readonly onEvict: (value: V) => void = () => {},
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Removes and returns an entry without evicting it (the caller now owns it). */
  take(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.used -= entry.bytes;
    return entry.value;
  }

  set(key: string, value: V, bytes: number): void {
    const old = this.take(key);
    if (old !== undefined && old !== value) this.onEvict(old);
    if (bytes > this.budget) {
      this.onEvict(value);
      return;
    }
    this.entries.set(key, { value, bytes });
    this.used += bytes;
    this.shrink();
  }

  delete(key: string): void {
    const old = this.take(key);
    if (old !== undefined) this.onEvict(old);
  }

  setBudget(bytes: number): void {
    this.budget = bytes;
    this.shrink();
  }

  clear(): void {
    for (const { value } of this.entries.values()) this.onEvict(value);
    this.entries.clear();
    this.used = 0;
  }

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  private shrink(): void {
    for (const [key, entry] of this.entries) {
      if (this.used <= this.budget) break;
      this.entries.delete(key);
      this.used -= entry.bytes;
      this.onEvict(entry.value);
    }
  }
}
