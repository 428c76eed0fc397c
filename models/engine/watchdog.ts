/**
 * Tells a slow engine from a stuck one. The engine reports each stage as it starts (runtime/progress.ts);
 * the caller gives every stage its own deadline and kills the engine when the stage in progress runs past
 * it. A stage whose file is the model's own (a chat template that loops, a tokenizer regex that backtracks
 * forever, a graph onnxruntime never finishes loading) marks the model unusable; a slow image or a slow
 * token does not.
 */
import type { Stage, StageReport } from '../runtime/progress.ts';

/** Anything the engine does before its first stage report, or without stages (plan, stats, unload). */
export type Activity = Stage | 'request';

export type Deadlines = Record<Activity, number> & {
  /** Added to the `session` deadline per GiB of graph: a multi-GB model legitimately takes a while. */
  sessionPerGiB: number;
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Generous on purpose: a busy two-core laptop must never hit them in normal use. */
export const DEFAULT_DEADLINES: Deadlines = {
  request: 2 * MINUTE,
  config: 30 * SECOND,
  tokenizer: 2 * MINUTE,
  template: 15 * SECOND,
  session: 2 * MINUTE,
  sessionPerGiB: 2 * MINUTE,
  image: 2 * MINUTE,
  vision: 15 * MINUTE,
  tokenize: 15 * SECOND,
  prefill: 15 * MINUTE,
  decode: 2 * MINUTE,
};

export interface Current extends Partial<Omit<StageReport, 'stage'>> {
  stage: Activity;
}

export function deadlineOf(current: Current, deadlines: Deadlines): number {
  const base = deadlines[current.stage];
  if (current.stage !== 'session' || !current.bytes) return base;
  return base + Math.ceil((current.bytes / 2 ** 30) * deadlines.sessionPerGiB);
}

const DOING: Record<Activity, string> = {
  request: 'answering a request',
  config: "reading the model's configuration",
  tokenizer: 'reading the tokenizer',
  template: 'rendering the chat template',
  session: 'loading a graph',
  image: 'decoding an image',
  vision: 'encoding an image',
  tokenize: 'tokenizing the prompt',
  prefill: 'reading the prompt',
  decode: 'generating the next token',
};

/** Stages that only the model's own files can make endless. */
const MODEL_AT_FAULT: ReadonlySet<Activity> = new Set([
  'config',
  'tokenizer',
  'template',
  'tokenize',
  'session',
]);

export interface Hang {
  stage: Activity;
  /** The file the stage depends on, where there is one. */
  file: string | null;
  deadlineMs: number;
  /** Whether the model's files are to blame (the model should not be loaded again as it is). */
  modelAtFault: boolean;
  message: string;
}

export function describeHang(current: Current, deadlineMs: number): Hang {
  const file = current.file ?? null;
  const seconds = Math.round(deadlineMs / SECOND);
  const modelAtFault = MODEL_AT_FAULT.has(current.stage);
  const where = file ? ` (${file})` : '';
  const advice = modelAtFault
    ? `That file never finishes here; replace it with the model's original, or choose another model.`
    : 'The engine was restarted; try again, or choose another model or device if it happens again.';
  return {
    stage: current.stage,
    file,
    deadlineMs,
    modelAtFault,
    message: `The inference engine stopped responding while ${DOING[current.stage]}${where} for more than ${seconds} s, so Tessera stopped it. ${advice}`,
  };
}
