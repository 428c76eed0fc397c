/** The catalog stays consistent with what the runtime can run and with the onnx-community file layout. */
import { describe, expect, it } from 'vitest';
import { CATALOG, DEFAULT_MODEL_REPO, VARIANT_SUFFIX, catalogEntry, memoryFit } from '../../app/catalog.ts';
import { DTYPE_SUFFIX } from '../../models/runtime/model-folder.ts';
import { SUPPORTED_MODEL_TYPES } from '../../models/families/registry.ts';

describe('catalog', () => {
  it('marks an entry supported exactly when the runtime has its family', () => {
    for (const entry of CATALOG) {
      expect(entry.supported, entry.repo).toBe(SUPPORTED_MODEL_TYPES.includes(entry.modelType));
      expect(entry.supported || (entry.unsupportedReason ?? '').length > 0, entry.repo).toBe(true);
    }
  });

  it('names the default model, the smallest supported one', () => {
    const entry = catalogEntry(DEFAULT_MODEL_REPO);
    expect(entry?.supported).toBe(true);
    expect(entry?.variants.map((v) => v.id)).toContain(entry?.defaultVariant);
  });

  it('lists the families the model-families issue asks for', () => {
    const families = new Set(CATALOG.map((e) => e.family));
    for (const f of ['smolvlm', 'llava_onevision', 'qwen2_vl', 'lfm2_vl', 'fastvlm', 'phi3_v', 'gemma3'])
      expect(families.has(f), f).toBe(true);
  });

  it('gives every variant the exact file of every module, with the runtime suffixes', () => {
    for (const entry of CATALOG) {
      for (const variant of entry.variants) {
        expect(VARIANT_SUFFIX[variant.id]).toBe(DTYPE_SUFFIX[variant.id]);
        expect(Object.keys(variant.files).sort()).toEqual(Object.keys(entry.modules).sort());
        for (const [module, file] of Object.entries(variant.files))
          expect(file).toBe(`onnx/${module}${DTYPE_SUFFIX[variant.id]}.onnx`);
        expect(variant.providers.length).toBeGreaterThan(0);
      }
    }
  });

  it('estimates sizes that grow with precision and fit tells apart small and large machines', () => {
    const entry = catalogEntry(DEFAULT_MODEL_REPO);
    const byId = Object.fromEntries((entry?.variants ?? []).map((v) => [v.id, v]));
    expect(byId.q4?.downloadBytes).toBeLessThan(byId.fp16?.downloadBytes ?? 0);
    expect(byId.fp16?.downloadBytes).toBeLessThan(byId.fp32?.downloadBytes ?? 0);
    const q4 = byId.q4;
    if (!q4) throw new Error('no q4');
    expect(memoryFit(q4, 16e9)).toBe('fits');
    expect(memoryFit(q4, q4.memoryBytes * 1.05)).toBe('tight');
    expect(memoryFit(q4, q4.memoryBytes / 2)).toBe('too-large');
  });
});
