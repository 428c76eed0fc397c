/**
 * What the engine is doing, reported as it goes, so the process that owns it can tell slow from stuck: each
 * stage has its own deadline (models/engine/watchdog.ts), and a stage names the model file it depends on,
 * so an error can say which file never finished (a chat template that loops, a tokenizer regex that
 * backtracks forever).
 */
export const STAGES = [
  'config',
  'tokenizer',
  'template',
  'session',
  'image',
  'vision',
  'tokenize',
  'prefill',
  'decode',
] as const;

export type Stage = (typeof STAGES)[number];

export interface StageReport {
  stage: Stage;
  /** The file the stage depends on (a graph, the template, tokenizer.json). */
  file?: string;
  /** Its size, where the deadline scales with it (loading a graph). */
  bytes?: number;
}

export type OnStage = (report: StageReport) => void;

export const ignoreStages: OnStage = () => {};
