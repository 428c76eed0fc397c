/**
 * Chat requests and answer events, declared once as schemas: the engine validates what it receives, and
 * the UI and CLI build requests from the same types.
 */
import { z } from 'zod';
import type { TilePlan } from './tile-plan.ts';

export const detailSchema = z.enum(['low', 'high']);

export const imagePartSchema = z.object({
  type: z.literal('image'),
  /** The encoded file (PNG, JPEG, …). May be omitted when `sha256` names an image prepared earlier. */
  data: z
    .custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected bytes (Uint8Array)')
    .optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  detail: detailSchema.optional(),
});

export const textPartSchema = z.object({ type: z.literal('text'), text: z.string() });

/** At most this many frames in one video part (qwen-vl-utils' FPS_MAX_FRAMES). */
export const MAX_VIDEO_FRAMES = 768;
/** At most this many bytes of frames, raw or encoded, in one video part (plans keep far below it). */
export const MAX_VIDEO_BYTES = 512 * 2 ** 20;

/** At most this many bytes in one encoded frame (a PNG of an 8K frame stays below it). */
export const MAX_ENCODED_FRAME_BYTES = 64 * 2 ** 20;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256: 64 lowercase hex digits');
const bytesSchema = z.custom<Uint8Array>(
  (value) => value instanceof Uint8Array,
  'expected bytes (Uint8Array)',
);

/** One decoded frame: raw RGB, row-major, 3 bytes a pixel (the CLI's ffmpeg path). */
export const rgbFrameSchema = z
  .object({
    width: z.number().int().positive().max(16384),
    height: z.number().int().positive().max(16384),
    data: bytesSchema,
  })
  .refine((f) => f.data.length === f.width * f.height * 3, 'frame data must be width × height × 3 bytes');

/**
 * One frame as an encoded image (PNG, JPEG, WebP: the app stores each planned frame as an image), sent as
 * image parts are: bytes the first time an engine process sees it, its sha256 alone afterwards. The engine
 * decodes it with the image path's decoder and limits.
 */
export const encodedFrameSchema = z.object({
  sha256: sha256Schema,
  data: bytesSchema
    .refine((data) => data.length > 0, 'an encoded frame must not be empty')
    .refine(
      (data) => data.length <= MAX_ENCODED_FRAME_BYTES,
      `an encoded frame must be at most ${MAX_ENCODED_FRAME_BYTES / 2 ** 20} MiB`,
    )
    .optional(),
});

export const videoFrameSchema = z.union([rgbFrameSchema, encodedFrameSchema], {
  error: 'a frame is raw RGB ({ width, height, data }) or an encoded image ({ sha256, data? })',
});

/**
 * A video clip whose planned frames the caller picked out (the CLI decodes them with ffmpeg, the app stores
 * them as images; the engine never decodes video, only frame images): the clip's facts, from which the family
 * plans its sampling, and the planned frames in order, raw or encoded.
 */
export const videoPartSchema = z.object({
  type: z.literal('video'),
  source: z.object({
    size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
    totalFrames: z.number().int().positive(),
    frameRate: z.number().positive().finite(),
  }),
  sampling: z
    .object({
      fps: z.number().positive().finite().optional(),
      minFrames: z.number().int().positive().optional(),
      maxFrames: z.number().int().positive().max(MAX_VIDEO_FRAMES).optional(),
    })
    .optional(),
  frames: z
    .array(videoFrameSchema)
    .min(1)
    .max(MAX_VIDEO_FRAMES)
    .refine(
      (frames) => frames.reduce((n, f) => n + (f.data?.length ?? 0), 0) <= MAX_VIDEO_BYTES,
      `the frames must total at most ${MAX_VIDEO_BYTES / 2 ** 20} MiB: send them at the size the plan gives`,
    ),
});

export const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.array(z.discriminatedUnion('type', [textPartSchema, imagePartSchema, videoPartSchema])),
  /**
   * An assistant message's token ids as the model generated them (GenerateResult.tokenIds). The prompt then
   * holds these ids instead of the text tokenized again, which may split differently: the conversation stays
   * what the model saw, and a kept cache serves the whole answer. Ignored where they do not decode to the
   * message's text (an edited answer).
   */
  tokenIds: z.array(z.number().int().min(0)).max(1_000_000).optional(),
});

export const samplingSchema = z.object({
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
  temperature: z.number().min(0).max(100).optional(),
  topK: z.number().int().min(0).optional(),
  topP: z.number().gt(0).max(1).optional(),
  minP: z.number().min(0).max(1).optional(),
  repetitionPenalty: z.number().positive().optional(),
  /** OpenAI's penalties over the answer's own tokens (models/runtime/sampling.ts). */
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  stop: z.array(z.string().min(1)).max(16).optional(),
  /** Keep generating past end-of-sequence tokens (benchmarks measure a fixed token count). */
  ignoreEos: z.boolean().optional(),
  /** Record each generated token's probability and its likeliest alternatives (GenerateResult.confidence). */
  confidence: z.boolean().optional(),
});

export const generateRequestSchema = z.object({
  /** Conversations with a thread id keep their KV cache between turns. */
  threadId: z.string().min(1).max(200).optional(),
  messages: z.array(chatMessageSchema).min(1),
  sampling: samplingSchema.optional(),
});

export type ImagePart = z.infer<typeof imagePartSchema>;
export type VideoPart = z.infer<typeof videoPartSchema>;
export type VideoFrame = z.infer<typeof videoFrameSchema>;
export type RgbFrame = z.infer<typeof rgbFrameSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type Sampling = z.infer<typeof samplingSchema>;
export type GenerateRequest = z.infer<typeof generateRequestSchema>;

export type FinishReason = 'eos' | 'stop' | 'length' | 'aborted';

export interface ModulePlacement {
  provider: string;
  dtype: string;
  /** The decoder's: how its KV cache is kept between steps ("appended in place", or why it is copied). */
  cache?: string;
}

/** What the vision encoder did for one image of the prompt. */
export interface ImageEncodeStats {
  sha256: string;
  /** The image's tile plan as the engine ran it: its views, their tokens, the resized size. */
  plan: TilePlan;
  /** Its features came from the cache (encoded when attached, or for an earlier turn), not for this answer. */
  cached: boolean;
  /** When the features were made, whenever that was. */
  preprocessMs: number;
  encodeMs: number;
}

/** Decode speed over an answer: tokens per second in consecutive windows of `window` tokens (the last shorter). */
export interface DecodeRates {
  window: number;
  tokensPerSecond: number[];
}

export interface GenerationStats {
  promptTokens: number;
  /** Prompt tokens served from the thread's kept KV cache instead of being prefilled. */
  cachedTokens: number;
  generatedTokens: number;
  imagesEncoded: number;
  imagesFromCache: number;
  /** Videos run through the vision encoder for this answer, and those whose features were cached. */
  videosEncoded?: number;
  videosFromCache?: number;
  preprocessMs: number;
  visionEncodeMs: number;
  prefillMs: number;
  timeToFirstTokenMs: number;
  decodeTokensPerSecond: number;
  /** Milliseconds per decoded token spent outside session.run (sampling, embedding copies, streaming). */
  overheadMsPerToken: number;
  /** At most 64 windows (models/runtime/decode-rates.ts); absent in older and remote answers. */
  decodeRates?: DecodeRates;
  /** Per image of the prompt, in prompt order; absent in older and remote answers. */
  images?: ImageEncodeStats[];
  /** The graph file each part ran (`vision_encoder_q8.onnx`); absent in older and remote answers. */
  graphs?: { vision: string; embed: string; decoder: string };
  /** The vision encoder's patch side in pixels (config's vision_config.patch_size), where it states one. */
  patchSize?: number;
  providers: { vision: ModulePlacement; embed: ModulePlacement; decoder: ModulePlacement };
  /**
   * The model that wrote the answer, filled by the services from the job's target (the engine does not
   * know names). A thread can mix models; answers stored before this was kept have none.
   */
  model?: AnswerModel;
  /**
   * Messages of the conversation left out so the prompt fits the context window (the thread's overflow
   * setting), in conversation order; absent when everything was sent.
   */
  dropped?: string[];
  /**
   * Questions whose images were sent at Low detail instead of their own, because the thread sends earlier
   * images at Low detail to fit the context window (`Thread.earlierImagesLow`); absent when none were.
   */
  lowered?: string[];
}

export interface AnswerModel {
  id: string;
  /** The model's name as listed (`ModelEntry.name`). */
  name: string;
  /** Its family id (`app/families.ts` has the display names). */
  family: string;
  /** The remote server that wrote it (main/remote/); absent for the local engine. */
  server?: { name: string; baseUrl: string };
}

/** A token the model could have written instead, with the probability it gave it. */
export interface TokenAlternative {
  /** The token decoded on its own; '' for a special token (end of the answer, an image marker). */
  text: string;
  p: number;
}

/**
 * One generated token as the model saw it: its probability (softmax of the logits row at temperature 1,
 * before any penalty) and the likeliest other tokens, most likely first. The texts of an answer's tokens
 * join to the answer's text: a token whose text was held back (half a UTF-8 character, a possible stop
 * string) has '' and the token that completed it carries the text.
 */
export interface TokenConfidence {
  text: string;
  p: number;
  alternatives: TokenAlternative[];
}

/** How many alternatives each token keeps. */
export const CONFIDENCE_ALTERNATIVES = 5;

export interface GenerateResult {
  text: string;
  tokenIds: number[];
  finishReason: FinishReason;
  stats: GenerationStats;
  /** With `sampling.confidence`: one entry per token of `tokenIds`. */
  confidence?: TokenConfidence[];
}
