import { describe, expect, it } from 'vitest';
import { isTesseraError } from '../errors.ts';
import { ENGINES, engineFor } from './engines.ts';
import { llava } from './llava/geometry.ts';
import { FAMILIES, familyForModelType, SUPPORTED_MODEL_TYPES } from './registry.ts';
import { smolvlmEngine } from './smolvlm/engine.ts';
import { smolvlm } from './smolvlm/geometry.ts';
import { smolvlm256m } from './smolvlm/testing.ts';

describe('familyForModelType', () => {
  it('finds SmolVLM for both of its model types, and LLaVA-1.5 for llava', () => {
    expect(familyForModelType('smolvlm', 'config.json')).toBe(smolvlm);
    expect(familyForModelType('idefics3', 'config.json')).toBe(smolvlm);
    expect(familyForModelType('llava', 'config.json')).toBe(llava);
  });

  it.each([
    ['smolvlm', 'smolvlm'],
    ['idefics3', 'smolvlm'],
    ['llava', 'llava'],
    ['llava_onevision', 'llava-onevision'],
    ['qwen2_vl', 'qwen2_vl'],
    ['qwen2_5_vl', 'qwen2_vl'],
    ['lfm2_vl', 'lfm2_vl'],
    ['llava_qwen2', 'fastvlm'],
    ['phi3_v', 'phi3_v'],
    ['gemma3', 'gemma3'],
  ])('reads model_type %s with the %s family', (modelType, family) => {
    expect(familyForModelType(modelType, 'config.json').name).toBe(family);
  });

  it('lists exactly the model types some family reads', () => {
    expect(SUPPORTED_MODEL_TYPES).toEqual([
      'smolvlm',
      'idefics3',
      'llava',
      'llava_onevision',
      'qwen2_vl',
      'qwen2_5_vl',
      'lfm2_vl',
      'llava_qwen2',
      'phi3_v',
      'gemma3',
    ]);
  });

  it.each([
    [
      'llava_next',
      /\/m\/config\.json has model_type "llava_next"; Tessera supports model types: smolvlm, idefics3, llava, llava_onevision, .*, gemma3\./,
    ],
    [undefined, /\/m\/config\.json has no "model_type"; .*smolvlm, idefics3, llava, .*gemma3/],
  ])('refuses %s with MODEL_UNSUPPORTED naming it and the supported ones', (modelType, message) => {
    try {
      familyForModelType(modelType, '/m/config.json');
      expect.unreachable();
    } catch (error) {
      expect(isTesseraError(error) && error.code).toBe('MODEL_UNSUPPORTED');
      expect(String(error)).toMatch(message);
    }
  });
});

describe('engines', () => {
  it('has one engine face for each family in the registry, and no other', () => {
    expect(ENGINES.map((e) => e.name).sort()).toEqual(FAMILIES.map((f) => f.name).sort());
    for (const family of FAMILIES) expect(engineFor(family.name).name).toBe(family.name);
  });
});

describe('smolvlmEngine.bind', () => {
  it('exposes the pixel contract (the geometry: conformance-geometry.test.ts)', () => {
    const model = smolvlmEngine.bind(smolvlm256m());
    expect(model.visionInputNames).toEqual(['pixel_values', 'pixel_attention_mask']);
    const plan = model.planImage({ width: 640, height: 480 }, 'low');
    expect(model.expandImage(plan)).toContain('<global-img>');
  });
});
