import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.ts';
import { answerModelLabel, familyName } from './families.ts';

const providers = {
  vision: { provider: 'cpu', dtype: 'q8' },
  embed: { provider: 'cpu', dtype: 'fp32' },
  decoder: { provider: 'cpu', dtype: 'q4' },
};

describe('family names', () => {
  it('name every family of the catalog', () => {
    for (const entry of CATALOG) expect(familyName(entry.family)).not.toBe(entry.family);
  });

  it('read both spellings of an id', () => {
    expect(familyName('llava-onevision')).toBe('LLaVA-OneVision');
    expect(familyName('llava_onevision')).toBe('LLaVA-OneVision');
    expect(familyName('qwen2_vl')).toBe('Qwen2-VL');
  });

  it('show an unknown id as it is', () => {
    expect(familyName('mystery_vl')).toBe('mystery_vl');
  });
});

describe('the answer’s model label', () => {
  it('names the model, its family and the decoder’s dtype', () => {
    const model = { id: 'm', name: 'SmolVLM-256M-Instruct', family: 'smolvlm' };
    expect(answerModelLabel({ model, providers })).toBe('SmolVLM-256M-Instruct (SmolVLM, q4)');
  });

  it('is null for an answer stored before answers named their model', () => {
    expect(answerModelLabel({ providers })).toBeNull();
  });
});
