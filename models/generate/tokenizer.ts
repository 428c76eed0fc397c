/**
 * A small but real byte-level BPE tokenizer in Hugging Face's `tokenizer.json` format (the GPT-2 / SmolLM
 * kind SmolVLM uses): Digits + ByteLevel pre-tokenizer, ByteLevel decoder, 256 byte tokens, merges learned
 * from a built-in English text and then synthesised up to the requested vocabulary size, plus the family's
 * special tokens. Any text round-trips, since every byte has a token.
 */
import { Rng, deriveSeed } from './random.ts';

export interface TokenizerOptions {
  /** Total number of ids, special tokens included. */
  vocabSize: number;
  /** Special tokens taking the first ids, in order. */
  leadingSpecials: readonly string[];
  /** Special tokens taking the last ids, in order. */
  trailingSpecials: readonly string[];
  seed: number;
  bosToken: string;
  eosToken: string;
  padToken: string;
  unkToken: string;
  chatTemplate: string;
  modelMaxLength: number;
  /** Extra keys for tokenizer_config.json (e.g. processor_class). */
  extraConfig?: Record<string, unknown>;
}

export interface TokenizerFiles {
  'tokenizer.json': Record<string, unknown>;
  'tokenizer_config.json': Record<string, unknown>;
  'special_tokens_map.json': Record<string, unknown>;
  /** Token → id, specials included. */
  vocab: Map<string, number>;
}

// Written for this project; a little of everything the app's prompts contain, and a few accented words.
const CORPUS = `
What is in this image? The picture shows a small red house next to a tall green tree, and a dog is
sleeping in the shade on the grass. Describe the image in one sentence. There are two people walking
along the river at sunset; the sky is orange and the water reflects the light. Can you read the text
on the sign? The sign says that the store opens at nine in the morning and closes in the evening.
How many cats are on the sofa? I can see three cats: one is black, one is white and one is grey.
What color is the car parked on the street? The car is blue, and there is a bicycle leaning against
the wall behind it. Where was this photo taken? It looks like a market in an old town square, with
people buying fruit, bread and flowers from the stalls. Is there anything unusual about this picture?
The clock on the tower shows the wrong time, and a bird is standing on the minute hand.
Please answer the question about the image. The user asked what the chart means. The chart shows
that sales increased every month this year, with the largest increase in the summer. The table lists
the names of the students and their scores. The screenshot shows an error message in a window; the
message says that the file could not be found. Explain what the diagram shows step by step.
A woman is reading a book in a café near the station, and a man is drinking coffee at the next table.
The children are playing in the park while their parents are talking on the bench. The mountains in
the background are covered with snow, and the lake in front of them is very calm. This is a photo of
a kitchen: there is a table with four chairs, a window above the sink, and a plate of cookies.
The naïve answer would be wrong; look again at the details in the corner of the image before you
answer. Thank you for the description. Could you tell me more about the building on the left side?
The building on the left is a museum with large windows and a glass roof over the main entrance.
`;

// GPT-2's split: contractions, letters, numbers, other symbols, whitespace (as the ByteLevel pre-tokenizer does).
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's reversible byte → printable character table. */
export function byteToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return table;
}

/** Byte-level words of a text, as the tokenizer's pre-tokenizer would cut them (digits left out). */
function corpusWords(text: string, table: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const encoder = new TextEncoder();
  for (const match of text.matchAll(GPT2_SPLIT)) {
    const piece = match[0];
    // Digits are split one by one before BPE, so merges across them could never apply.
    if (/\p{N}/u.test(piece)) continue;
    const word = Array.from(encoder.encode(piece), (b) => table[b] as string).join('');
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

/**
 * Classic BPE training: repeatedly merge the most frequent adjacent pair (ties: smallest pair). A pair whose
 * join is already a token (made from other halves) is skipped, so every merge adds one vocabulary entry.
 */
function learnMerges(counts: Map<string, number>, limit: number): [string, string][] {
  const words = [...counts].map(([word, count]) => ({ symbols: Array.from(word), count }));
  const merges: [string, string][] = [];
  const made = new Set<string>();
  while (merges.length < limit) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | null = null;
    let bestCount = 1;
    for (const [key, count] of pairs) {
      if (made.has(key.replace('\u0000', ''))) continue;
      if (count > bestCount || (count === bestCount && best !== null && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (best === null) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    made.add(a + b);
    for (const word of words) {
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (word.symbols[i] === a && word.symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else {
          out.push(word.symbols[i] as string);
        }
      }
      word.symbols = out;
    }
  }
  return merges;
}

/**
 * Extra merges to reach the vocabulary size: word pieces joined from existing letter tokens, so each
 * merge is valid (both halves are tokens made earlier) and could fire on some text.
 */
function synthesiseMerges(vocab: Set<string>, count: number, seed: number): [string, string][] {
  const rng = new Rng(deriveSeed(seed, 'tokenizer-merges'));
  const starts = [...vocab].filter((t) => /^Ġ?[a-z]+$/.test(t)).sort();
  const continuations = starts.filter((t) => !t.startsWith('Ġ'));
  const merges: [string, string][] = [];
  let attempts = 0;
  while (merges.length < count) {
    if (++attempts > count * 1000) throw new Error('tokenizer: cannot synthesise enough merges');
    const a = starts[rng.int(starts.length)] as string;
    const b = continuations[rng.int(continuations.length)] as string;
    const merged = a + b;
    if (merged.length > 12 || vocab.has(merged)) continue;
    vocab.add(merged);
    merges.push([a, b]);
    starts.push(merged);
    if (!merged.startsWith('Ġ')) continuations.push(merged);
  }
  return merges;
}

export function buildTokenizer(options: TokenizerOptions): TokenizerFiles {
  const { leadingSpecials, trailingSpecials } = options;
  const mergeCount = options.vocabSize - leadingSpecials.length - 256 - trailingSpecials.length;
  if (mergeCount < 0) throw new Error(`tokenizer: vocab size ${options.vocabSize} is below the byte tokens`);
  const table = byteToUnicode();

  const learned = learnMerges(corpusWords(CORPUS, table), mergeCount);
  const known = new Set<string>([...table, ...learned.map(([a, b]) => a + b)]);
  const merges = [...learned, ...synthesiseMerges(known, mergeCount - learned.length, options.seed)];

  const vocab = new Map<string, number>();
  const add = (token: string) => {
    if (vocab.has(token)) throw new Error(`tokenizer: duplicate token ${JSON.stringify(token)}`);
    vocab.set(token, vocab.size);
  };
  leadingSpecials.forEach(add);
  table.forEach(add);
  merges.forEach(([a, b]) => add(a + b));
  trailingSpecials.forEach(add);

  const specials = [...leadingSpecials, ...trailingSpecials];
  const addedTokens = specials.map((content) => ({
    id: vocab.get(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));

  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };

  const named = {
    bos_token: options.bosToken,
    eos_token: options.eosToken,
    pad_token: options.padToken,
    unk_token: options.unkToken,
  };
  const additional = specials.filter((t) => !Object.values(named).includes(t));
  const tokenizerConfig = {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...rest }) => [String(id), rest])),
    additional_special_tokens: additional,
    ...named,
    chat_template: options.chatTemplate,
    // Decoding must give back exactly what was encoded.
    clean_up_tokenization_spaces: false,
    model_max_length: options.modelMaxLength,
    tokenizer_class: 'GPT2Tokenizer',
    vocab_size: options.vocabSize,
    ...options.extraConfig,
  };
  const specialTokensMap = { additional_special_tokens: additional, ...named };
  return {
    'tokenizer.json': tokenizer,
    'tokenizer_config.json': tokenizerConfig,
    'special_tokens_map.json': specialTokensMap,
    vocab,
  };
}

/** The id of a token the generator put in the vocabulary; a missing one is a generator bug. */
export function tokenIdOf(tokenizer: TokenizerFiles, token: string): number {
  const id = tokenizer.vocab.get(token);
  if (id === undefined) throw new Error(`Generated tokenizer: token ${token} is missing from the vocabulary`);
  return id;
}
