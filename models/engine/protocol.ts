/**
 * Messages between a caller (CLI, desktop main process, tests) and the engine process. Declared once as
 * schemas; the engine validates every request, so a malformed one is answered with an error, never a crash.
 */
import { z } from 'zod';
import { chatMessageSchema, detailSchema, generateRequestSchema } from '../../app/chat.ts';
import type { GenerateResult } from '../../app/chat.ts';
import type { TilePlan } from '../../app/tile-plan.ts';
import type { ErrorCode } from '../errors.ts';
import type { ModelInfo } from '../runtime/vlm.ts';
import type { StageReport } from '../runtime/progress.ts';
import { DEVICES } from '../runtime/devices.ts';
import { DTYPES } from '../runtime/model-folder.ts';

const dtypeSchema = z.enum(DTYPES as [string, ...string[]]);

export const engineRequestSchema = z.discriminatedUnion('type', [
  z.object({
    id: z.number(),
    type: z.literal('load'),
    dir: z.string().min(1),
    device: z.enum(DEVICES as [string, ...string[]]).optional(),
    dtype: z.union([dtypeSchema, z.record(z.string(), dtypeSchema)]).optional(),
    kvBudgetBytes: z.number().int().positive().optional(),
  }),
  z.object({ id: z.number(), type: z.literal('generate'), request: generateRequestSchema }),
  z.object({ id: z.number(), type: z.literal('abort'), target: z.number() }),
  z.object({
    id: z.number(),
    type: z.literal('prepareImage'),
    data: z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected bytes (Uint8Array)'),
    /** The bytes' sha256 where the caller has it already (the app's image store): not hashed again. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    detail: detailSchema.optional(),
  }),
  z.object({ id: z.number(), type: z.literal('forgetThread'), threadId: z.string() }),
  /**
   * The prompt's exact length in tokens, as `generate` would build it (chat template, tokenizer, each
   * image's plan), without running anything: the composer's meter. Images go by hash, with their oriented
   * size (`sizes`), since planning needs only that.
   */
  z.object({
    id: z.number(),
    type: z.literal('countTokens'),
    messages: z.array(chatMessageSchema).min(1).max(10_000),
    sizes: z.record(
      z.string().regex(/^[0-9a-f]{64}$/),
      z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
    ),
  }),
]);

export type EngineRequest = z.infer<typeof engineRequestSchema>;
export type EngineRequestType = EngineRequest['type'];

/** What each request resolves to. */
export interface EngineResults {
  load: ModelInfo;
  generate: GenerateResult;
  abort: boolean;
  prepareImage: { sha256: string; plan: TilePlan };
  forgetThread: boolean;
  countTokens: { promptTokens: number };
}

export interface WireError {
  code: ErrorCode;
  message: string;
}

export type EngineMessage =
  | { type: 'ready'; pid: number }
  | ({ type: 'stage'; id: number } & StageReport)
  | { type: 'delta'; id: number; text: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError };

/** Both ends of a process boundary: Node's child_process and Electron's utilityProcess fit this. */
export interface MessagePort {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}
