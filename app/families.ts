/**
 * Display names of model families, one table for every screen and export. Family ids come from two
 * spellings (the family folders' `llava-onevision`, the catalog's `llava_onevision`), so both resolve.
 */
import type { GenerationStats } from './chat.ts';

const FAMILY_NAMES: Readonly<Record<string, string>> = {
  smolvlm: 'SmolVLM',
  llava: 'LLaVA',
  llava_onevision: 'LLaVA-OneVision',
  qwen2_vl: 'Qwen2-VL',
  lfm2_vl: 'LFM2-VL',
  fastvlm: 'FastVLM',
  phi3_v: 'Phi-3-Vision',
  gemma3: 'Gemma 3',
  internvl: 'InternVL',
};

/** The family's display name; an id the table does not know is shown as it is. */
export function familyName(id: string): string {
  return FAMILY_NAMES[id.replace(/-/g, '_')] ?? id;
}

/**
 * Which model wrote an answer, in one line: "SmolVLM-256M-Instruct (SmolVLM, q4)". The dtype is the
 * decoder's, as the engine reported it. Null for answers stored before answers named their model.
 */
export function answerModelLabel(stats: Pick<GenerationStats, 'model' | 'providers'>): string | null {
  if (!stats.model) return null;
  const { server } = stats.model;
  if (server) return `${stats.model.name} (remote: ${server.name}, ${server.baseUrl})`;
  return `${stats.model.name} (${familyName(stats.model.family)}, ${stats.providers.decoder.dtype})`;
}
