/**
 * Each registered family's parameters for the shared conformance suites (models/testing/*-suite.ts), in one
 * table keyed by family name: its published JSON fixture and what its geometry must report. The suites run
 * over the registry (conformance-*.test.ts), so a family missing here fails there.
 */
import type { GeometryConformance } from '../testing/geometry-suite.ts';
import { fastVlm05b } from './fastvlm/testing.ts';
import { gemma3_4b } from './gemma3/testing.ts';
import { lfm2Vl450m } from './lfm2-vl/testing.ts';
import { llava15 } from './llava/testing.ts';
import { onevision05b } from './llava-onevision/testing.ts';
import { phi35 } from './phi3-v/testing.ts';
import { qwen2Vl2b } from './qwen2-vl/testing.ts';
import { smolvlm256m } from './smolvlm/testing.ts';

export const GEOMETRY: Readonly<Record<string, GeometryConformance>> = {
  smolvlm: {
    json: () => smolvlm256m(),
    imageTokenId: 49190,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  llava: {
    json: () => llava15(),
    imageTokenId: 32000,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  'llava-onevision': {
    json: () => onevision05b(),
    imageTokenId: 151646,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  qwen2_vl: {
    json: () => qwen2Vl2b(),
    imageTokenId: 151655,
    imagePlaceholder: '<|image_pad|>',
    defaultDetail: 'high',
    imageToken: '<|image_pad|>',
  },
  lfm2_vl: {
    json: () => lfm2Vl450m(),
    imageTokenId: 396,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  fastvlm: {
    json: () => fastVlm05b(),
    imageTokenId: 151646,
    imagePlaceholder: '<image>',
    defaultDetail: 'high',
    imageToken: '<image>',
  },
  phi3_v: {
    json: () => phi35(),
    // Read from the tokenizer on first use, which the JSON fixture has none of (phi3-v/config.test.ts).
    imageTokenId: null,
    imagePlaceholder: '<|image|>',
    defaultDetail: 'high',
    imageToken: '<|image|>',
  },
  gemma3: {
    json: () => gemma3_4b(),
    imageTokenId: 262144,
    imagePlaceholder: '<start_of_image>',
    // do_pan_and_scan is unset in gemma-3-4b-it: one view unless asked (gemma3/plan.test.ts sets it).
    defaultDetail: 'low',
    imageToken: '<image_soft_token>',
  },
};
