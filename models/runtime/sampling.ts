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

/** The model's distribution over one logits row, as far as confidence needs it. */
export interface RowScan {
  max: number;
  /** Σ exp(logit − max) over the row. */
  sum: number;
  /** The `k` likeliest token ids, likeliest first (ties: the lower id, as argmax); -1 where the row is shorter. */
  topIds: Int32Array;
  topLogits: Float32Array;
}

/**
 * The top `k` in one pass with no arithmetic (an argmax that keeps k: a small array kept sorted, written only
 * when a logit beats the k-th best, which soon becomes rare), then the sum of exps in a second pass that
 * computes an exp only for logits within 20 of the max (each one further adds under 2e-9 of the sum; a
 * trained model's row is mostly far below its max). Greedy decoding takes its token from the first pass, so
 * the record costs the token loop about the second pass alone. -Infinity (masked) and NaN logits are skipped.
 */
export function scanRow(logits: Float32Array, k: number): RowScan {
  const topIds = new Int32Array(k).fill(-1);
  const topLogits = new Float32Array(k).fill(-Infinity);
  let floor = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (v > floor) {
      let at = k - 1;
      while (at > 0 && v > (topLogits[at - 1] as number)) {
        topLogits[at] = topLogits[at - 1] as number;
        topIds[at] = topIds[at - 1] as number;
        at--;
      }
      topLogits[at] = v;
      topIds[at] = i;
      floor = topLogits[k - 1] as number;
    }
  }
  const max = topLogits[0] as number;
  let sum = 0;
  if (max > -Infinity) {
    const cut = max - NEGLIGIBLE;
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i] as number;
      if (v > cut) sum += expNear(v - max);
    }
  }
  return { max, sum, topIds, topLogits };
}

/** Logits this far below the max are left out of the sum (e^-20 ≈ 2e-9 each). */
const NEGLIGIBLE = 20;
/** e^x is tabulated every ln 2 / 16 down to -NEGLIGIBLE; between, two Taylor terms are within 2e-6. */
const STEPS_PER_LN2 = 16;
const PER_NAT = STEPS_PER_LN2 / Math.LN2;
const NAT_PER_STEP = Math.LN2 / STEPS_PER_LN2;
const EXP_TABLE = Float64Array.from({ length: Math.ceil(NEGLIGIBLE * PER_NAT) + 2 }, (_, i) =>
  Math.exp(-i / PER_NAT),
);

/**
 * e^x for x in (-20, 0], within 2e-6 of Math.exp and about four times faster: the table's nearest step
 * (rounded by truncating, as x ≤ 0) times e^r ≈ 1 + r + r²/2 for the rest, |r| ≤ ln 2 / 32.
 */
export function expNear(x: number): number {
  const k = (x * PER_NAT - 0.5) | 0;
  const r = x - k * NAT_PER_STEP;
  return (EXP_TABLE[-k] as number) * (1 + r * (1 + r * 0.5));
}

/** A chosen token's probability and the likeliest others, by id (generate.ts decodes them). */
export interface TokenChoice {
  p: number;
  alternatives: Array<{ id: number; p: number }>;
}

export class Sampler {
  private readonly random: () => number;
  /** How often each token id was chosen so far (the penalties' counts). */
  private readonly counts = new Map<number, number>();
  /** Set by next() when the sampler was made with alternatives > 0; null otherwise. */
  lastChoice: TokenChoice | null = null;

  /** `alternatives` > 0: next() records the chosen token's probability and that many alternatives. */
  constructor(
    private readonly options: SamplingOptions,
    private readonly alternatives = 0,
  ) {
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
    const penalised = frequencyPenalty !== 0 || presencePenalty !== 0 || repetitionPenalty !== 1;
    // The model's own distribution, before the penalties change the row: one more than asked, so the chosen
    // token (the first under greedy decoding) leaves `alternatives` others.
    const scan = this.alternatives > 0 ? scanRow(logits, this.alternatives + 1) : null;
    const raw = scan && penalised ? logits.slice() : logits;
    if (frequencyPenalty !== 0 || presencePenalty !== 0)
      applyOpenAiPenalties(logits, this.counts, frequencyPenalty, presencePenalty);
    if (repetitionPenalty !== 1) applyRepetitionPenalty(logits, context, repetitionPenalty);
    let id: number;
    if (temperature > 0) id = this.sample(logits, temperature);
    // Greedy without penalties: the scan's first is argmax's choice, and a second pass is saved.
    else if (scan && !penalised && (scan.topIds[0] as number) >= 0) id = scan.topIds[0] as number;
    else id = argmax(logits);
    if (scan) this.lastChoice = choiceOf(scan, raw, id, this.alternatives);
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

function choiceOf(scan: RowScan, raw: Float32Array, id: number, count: number): TokenChoice {
  const probability = (logit: number) => (scan.sum > 0 ? Math.exp(logit - scan.max) / scan.sum : 0);
  const alternatives: TokenChoice['alternatives'] = [];
  for (let i = 0; i < scan.topIds.length && alternatives.length < count; i++) {
    const other = scan.topIds[i] as number;
    if (other >= 0 && other !== id)
      alternatives.push({ id: other, p: probability(scan.topLogits[i] as number) });
  }
  return { p: probability(raw[id] ?? -Infinity), alternatives };
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
