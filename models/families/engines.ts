/**
 * Each family's engine face (geometry plus pixel code), by family name. Only the engine process loads this
 * module: it brings sharp and every family's preprocessing, which the main process never needs to plan.
 */
import { TesseraError } from '../errors.ts';
import { fastVlmEngine } from './fastvlm/engine.ts';
import type { FamilyEngine, FamilyModel } from './family.ts';
import { gemma3Engine } from './gemma3/engine.ts';
import { lfm2VlEngine } from './lfm2-vl/engine.ts';
import { llavaEngine } from './llava/engine.ts';
import { llavaOnevisionEngine } from './llava-onevision/engine.ts';
import { phi3vEngine } from './phi3-v/engine.ts';
import { familyOfFolder } from './plan-folder.ts';
import { qwen2VlEngine } from './qwen2-vl/engine.ts';
import { smolvlmEngine } from './smolvlm/engine.ts';

export const ENGINES: readonly FamilyEngine[] = [
  smolvlmEngine,
  llavaEngine,
  llavaOnevisionEngine,
  qwen2VlEngine,
  lfm2VlEngine,
  fastVlmEngine,
  phi3vEngine,
  gemma3Engine,
];

/** The engine face of a family registered in registry.ts. */
export function engineFor(family: string): FamilyEngine {
  const engine = ENGINES.find((e) => e.name === family);
  if (!engine) throw new TesseraError('INTERNAL', `The ${family} family has no engine in engines.ts.`);
  return engine;
}

/** A model folder bound with its family's pixel code: what the engine runs. */
export function bindModelFolder(dir: string): FamilyModel {
  const { family, json } = familyOfFolder(dir);
  return engineFor(family.name).bind(json);
}
