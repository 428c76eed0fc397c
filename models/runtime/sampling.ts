/**
 * Next-token choice from logits, in the order Hugging Face applies its processors: repetition penalty,
 * temperature, top-k, top-p, min-p, then a draw from a seeded generator so a seed reproduces an answer.
 * OpenAI's frequency and presence penalties (for the API server) come first, over the tokens this sampler
 * has chosen: one Sampler serves one answer.
 */
export interface SamplingOptions {
  /** 0 (the default) is greedy decoding. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  /** Above 1 discourages tokens already in the context (CTRL-style, as in transformers). */
  repetitionPenalty?: number;
  /**
   * OpenAI's penalties, over the generated tokens only (not the prompt): a token's logit goes down by
   * `frequencyPenalty × count + presencePenalty × (count > 0)`. Negative values encourage repeats.
   */
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
}

/** mulberry32: small, fast and good enough for drawing tokens; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

export class Sampler {
  private readonly random: () => number;
  /** How often each token id was chosen so far (the penalties' counts). */
  private readonly counts = new Map<number, number>();

  constructor(private readonly options: SamplingOptions) {
    this.random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** Chooses a token. `logits` is modified in place. `context` is every token id seen so far. */
  next(logits: Float32Array, context: Iterable<number>): number {
    const {
      repetitionPenalty = 1,
      temperature = 0,
      frequencyPenalty = 0,
      presencePenalty = 0,
    } = this.options;
    if (frequencyPenalty !== 0 || presencePenalty !== 0)
      applyOpenAiPenalties(logits, this.counts, frequencyPenalty, presencePenalty);
    if (repetitionPenalty !== 1) applyRepetitionPenalty(logits, context, repetitionPenalty);
    const id = temperature <= 0 ? argmax(logits) : this.sample(logits, temperature);
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    return id;
  }

  private sample(logits: Float32Array, temperature: number): number {
    const { topK = 0, topP = 1, minP = 0 } = this.options;
    // Sort candidate ids by logit, keep top-k, then turn into probabilities.
    let ids = Array.from(logits.keys()).sort((a, b) => (logits[b] as number) - (logits[a] as number));
    if (topK > 0 && topK < ids.length) ids = ids.slice(0, topK);
    const max = (logits[ids[0] as number] as number) / temperature;
    let probs = ids.map((id) => Math.exp((logits[id] as number) / temperature - max));
    let sum = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / sum);
    let keep = probs.length;
    if (topP < 1) {
      let cumulative = 0;
      keep = 0;
      while (keep < probs.length && cumulative < topP) cumulative += probs[keep++] as number;
    }
    if (minP > 0) {
      const floor = minP * (probs[0] as number);
      while (keep > 1 && (probs[keep - 1] as number) < floor) keep--;
    }
    ids = ids.slice(0, Math.max(1, keep));
    probs = probs.slice(0, ids.length);
    sum = probs.reduce((a, b) => a + b, 0);
    let r = this.random() * sum;
    for (let i = 0; i < ids.length; i++) {
      r -= probs[i] as number;
      if (r <= 0) return ids[i] as number;
    }
    return ids[ids.length - 1] as number;
  }
}

function applyRepetitionPenalty(logits: Float32Array, context: Iterable<number>, penalty: number): void {
  for (const id of new Set(context)) {
    const v = logits[id];
    if (v === undefined) continue;
    logits[id] = v < 0 ? v * penalty : v / penalty;
  }
}

function applyOpenAiPenalties(
  logits: Float32Array,
  counts: ReadonlyMap<number, number>,
  frequency: number,
  presence: number,
): void {
  for (const [id, count] of counts) {
    const v = logits[id];
    if (v !== undefined) logits[id] = v - frequency * count - presence;
  }
}
