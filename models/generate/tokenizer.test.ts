import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { type TokenizerOptions, buildTokenizer, byteToUnicode } from './tokenizer.ts';

const OPTIONS: TokenizerOptions = {
  vocabSize: 600,
  leadingSpecials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  trailingSpecials: ['<image>', '<end_of_utterance>'],
  seed: 1,
  bosToken: '<|im_start|>',
  eosToken: '<end_of_utterance>',
  padToken: '<|im_end|>',
  unkToken: '<|endoftext|>',
  chatTemplate: '{{ messages }}',
  modelMaxLength: 2048,
};

const files = buildTokenizer(OPTIONS);
const json = files['tokenizer.json'] as {
  model: { vocab: Record<string, number>; merges: [string, string][] };
};
const tokenizer = new Tokenizer(files['tokenizer.json'], files['tokenizer_config.json']);

const TEXTS = [
  'What is in this image?',
  'The café serves crème brûlée. Naïve façade!',
  '日本語のテキスト and 中文',
  'Emoji: 🎉👩‍👩‍👧 ok',
  '  leading spaces, tabs\tand\nnew lines\n\n',
  'Numbers 12345 and 3.14159, symbols #$%^&*()[]{}<>',
];

describe('buildTokenizer', () => {
  it('has exactly vocabSize ids, contiguous, with specials first and last', () => {
    expect(files.vocab.size).toBe(600);
    expect([...files.vocab.values()].sort((a, b) => a - b)).toEqual([...Array(600).keys()]);
    expect(files.vocab.get('<|endoftext|>')).toBe(0);
    expect(files.vocab.get('<|im_end|>')).toBe(2);
    expect(files.vocab.get('<end_of_utterance>')).toBe(599);
    expect(files.vocab.get('<image>')).toBe(598);
    expect(Object.keys(json.model.vocab).length).toBe(600);
    // Every byte has a token.
    for (const ch of byteToUnicode()) expect(files.vocab.has(ch)).toBe(true);
  });

  it('has only valid merges: both halves exist, the join is a token, and merges are not repeated', () => {
    const seen = new Set<string>();
    expect(json.model.merges.length).toBe(600 - 3 - 256 - 2);
    for (const [a, b] of json.model.merges) {
      expect(files.vocab.has(a) && files.vocab.has(b)).toBe(true);
      expect(files.vocab.has(a + b)).toBe(true);
      // A merge may only use tokens that exist before it (bytes or earlier merges).
      expect(files.vocab.get(a + b)).toBeGreaterThan(
        Math.max(files.vocab.get(a) ?? -1, files.vocab.get(b) ?? -1),
      );
      expect(seen.has(a + b)).toBe(false);
      seen.add(a + b);
    }
  });

  it('learns real English merges first', () => {
    const firstTokens = json.model.merges.slice(0, 40).map(([a, b]) => a + b);
    expect(firstTokens).toContain('Ġthe');
    expect(tokenizer.encode('What is in this image?').tokens).toEqual([
      'What',
      'Ġis',
      'Ġin',
      'Ġthis',
      'Ġimage',
      '?',
    ]);
  });

  it.each(TEXTS)('round-trips %j through @huggingface/tokenizers', (text) => {
    const { ids } = tokenizer.encode(text);
    expect(tokenizer.decode(ids)).toBe(text);
  });

  it('keeps special tokens whole and splits digits one by one', () => {
    const { ids } = tokenizer.encode('<|im_start|>User:<image>2024<end_of_utterance>');
    expect(ids[0]).toBe(1);
    expect(ids).toContain(598);
    expect(ids.at(-1)).toBe(599);
    expect(tokenizer.encode('2024').tokens).toEqual(['2', '0', '2', '4']);
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe('User:2024');
  });

  it('is deterministic for a seed and fills differently for another seed', () => {
    expect(JSON.stringify(buildTokenizer(OPTIONS)['tokenizer.json'])).toBe(
      JSON.stringify(files['tokenizer.json']),
    );
    const other = buildTokenizer({ ...OPTIONS, seed: 2 })['tokenizer.json'] as typeof json;
    expect(other.model.merges).not.toEqual(json.model.merges);
  });

  it('writes the named special tokens into tokenizer_config.json and special_tokens_map.json', () => {
    const config = files['tokenizer_config.json'];
    expect(config).toMatchObject({
      bos_token: '<|im_start|>',
      eos_token: '<end_of_utterance>',
      pad_token: '<|im_end|>',
      unk_token: '<|endoftext|>',
      clean_up_tokenization_spaces: false,
      chat_template: '{{ messages }}',
      model_max_length: 2048,
    });
    expect((config['added_tokens_decoder'] as Record<string, { content: string }>)['598']?.content).toBe(
      '<image>',
    );
    expect(files['special_tokens_map.json']['additional_special_tokens']).toEqual(['<image>']);
  });

  it('refuses a vocabulary too small for the byte tokens', () => {
    expect(() => buildTokenizer({ ...OPTIONS, vocabSize: 200 })).toThrow(/below the byte tokens/);
  });
});
