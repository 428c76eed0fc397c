/**
 * The OpenAI Chat Completions API as Tessera serves it, declared once: the requests it accepts (zod schemas,
 * checked before anything runs) and the answers it sends (schemas too, so a Tessera client of a remote
 * Tessera server parses them with the same declarations). Fields Tessera adds live under `tessera`, which
 * other clients ignore.
 */
import { z } from 'zod';
import type { TilePlan } from '../../app/tile-plan.ts';

const sizeSchema = z.object({ width: z.number(), height: z.number() });
const tileSchema = sizeSchema.extend({
  x: z.number(),
  y: z.number(),
  inputWidth: z.number(),
  inputHeight: z.number(),
  tokens: z.number(),
});
/** app/tile-plan.ts's TilePlan, as it crosses HTTP. */
export const tilePlanSchema: z.ZodType<TilePlan> = z.object({
  family: z.string(),
  detail: z.enum(['low', 'high']),
  original: sizeSchema,
  resized: sizeSchema,
  grid: z.object({ rows: z.number(), cols: z.number(), unit: z.enum(['tiles', 'patches']) }),
  tiles: z.array(tileSchema),
  global: tileSchema.nullable(),
  imageTokens: z.number(),
  promptTokens: z.number(),
});

// ---------------------------------------------------------------------------------------------------------
// Requests

export const imageDetailSchema = z.enum(['low', 'high', 'auto']);

export const contentPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({
    type: z.literal('image_url'),
    image_url: z.object({ url: z.string().min(1), detail: imageDetailSchema.optional() }),
  }),
]);

export const chatRequestMessageSchema = z.object({
  // OpenAI's newer name for a system message is "developer"; tool messages are refused before parsing.
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(contentPartSchema).max(256)]).nullable(),
  name: z.string().optional(),
});

const penalty = z.number().min(-2).max(2).nullish();

export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1).max(500),
  messages: z.array(chatRequestMessageSchema).min(1).max(10_000),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(1).max(1_000_000).nullish(),
  max_completion_tokens: z.number().int().min(1).max(1_000_000).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16)]).nullish(),
  frequency_penalty: penalty,
  presence_penalty: penalty,
  n: z.number().int().nullish(),
  user: z.string().optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatRequestMessage = z.infer<typeof chatRequestMessageSchema>;

// ---------------------------------------------------------------------------------------------------------
// Answers

/** OpenAI's error shape; `param` names the request field at fault, `code` a machine-readable reason. */
export const errorBodySchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The JSON files a family's geometry reads (`ModelJson`), so a client can plan images for this model. */
export const modelJsonSchema = z.object({
  config: z.record(z.string(), z.unknown()),
  preprocessor_config: z.record(z.string(), z.unknown()),
  processor_config: z.record(z.string(), z.unknown()).nullable(),
});

export const modelObjectSchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
  tessera: z
    .object({ family: z.string(), context_length: z.number().int(), model_json: modelJsonSchema })
    .optional(),
});
export type ModelObject = z.infer<typeof modelObjectSchema>;

export const modelListSchema = z.object({ object: z.literal('list'), data: z.array(modelObjectSchema) });
export type ModelList = z.infer<typeof modelListSchema>;

export const finishReasonSchema = z.enum(['stop', 'length']);

export const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }).optional(),
});
export type Usage = z.infer<typeof usageSchema>;

/** What Tessera adds to an answer (the final chunk of a stream): the images' tile plans and stage timings. */
export const tesseraExtensionSchema = z.object({
  plans: z.array(tilePlanSchema),
  timings: z.object({
    preprocess_ms: z.number(),
    vision_encode_ms: z.number(),
    prefill_ms: z.number(),
    time_to_first_token_ms: z.number(),
    decode_tokens_per_second: z.number(),
  }),
  cached_tokens: z.number().int(),
  model: z.object({ family: z.string() }),
});
export type TesseraExtension = z.infer<typeof tesseraExtensionSchema>;

export const chatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal('assistant'),
        content: z.string(),
        refusal: z.null(),
      }),
      logprobs: z.null(),
      finish_reason: finishReasonSchema,
    }),
  ),
  usage: usageSchema,
  tessera: tesseraExtensionSchema.optional(),
});
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

export const chatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.literal('assistant').optional(), content: z.string().optional() }),
      logprobs: z.null(),
      finish_reason: finishReasonSchema.nullable(),
    }),
  ),
  /** With `stream_options.include_usage`: null on every chunk but the last, which has no choices. */
  usage: usageSchema.nullable().optional(),
  tessera: tesseraExtensionSchema.optional(),
});
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;
