/**
 * The contract every model family implements, in two faces. Its geometry (`FamilyGeometry`: config, tile plan,
 * prompt text) is plain arithmetic on the JSON files, so the main process plans images with it and never loads
 * sharp. The engine's `FamilyModel` adds the pixel code (preprocess, feature layout, positions). The runtime's
 * generation loop only talks to these interfaces, so a new family (LLaVA, Qwen2-VL, …) is a new folder beside
 * smolvlm/ and one line in registry.ts and engines.ts.
 */
import type { Detail, Size, TilePlan } from '../../app/tile-plan.ts';
import type { MediaPlan, VideoPlan, VideoSampling, VideoSource } from '../../app/video-plan.ts';
import type { DecodedImage } from '../image/decode.ts';
import { TesseraError } from '../errors.ts';
import type { TensorData } from '../tensor.ts';

/** The JSON files of a model folder, parsed. Planning needs only these, never the ONNX files. */
export interface ModelJson {
  /** Folder the files came from, for error messages. */
  dir: string;
  config: Record<string, unknown>;
  preprocessorConfig: Record<string, unknown>;
  /** processor_config.json, where the model has one. */
  processorConfig: Record<string, unknown> | null;
}

/** A family's geometry bound to one model's configuration: what planning an image and its prompt text need. */
export interface FamilyGeometry {
  readonly family: string;
  /** Token id of the image placeholder the language model receives; feature rows are scattered there. */
  readonly imageTokenId: number;
  /** What the chat template emits for each image, before expansion. */
  readonly imagePlaceholder: string;
  readonly defaultDetail: Detail;
  /** Plain-data tile plan of an image of this size. */
  planImage(size: Size, detail: Detail): TilePlan;
  /** The prompt text that replaces one placeholder, for an image with this plan. */
  expandImage(plan: TilePlan): string;
  /** A clip's video plan, for the families that read video (the app's card plans before decoding a frame). */
  planVideo?(source: VideoSource, sampling: VideoSampling): VideoPlan;
}

/** A family bound to one model's configuration, as the engine runs it: geometry plus pixel code. */
export interface FamilyModel extends FamilyGeometry {
  /** Vision encoder feeds for one image, keyed by graph input name. */
  preprocess(image: DecodedImage, plan: TilePlan): Promise<Record<string, TensorData>>;
  /** Vision encoder inputs this family feeds; checked against the graph at load. */
  readonly visionInputNames: readonly string[];
  /**
   * Feature rows as the language model takes them, from the encoder's output (AnyRes families unpad the
   * crop grid and add newline rows here). Absent: the encoder output is used as is.
   */
  arrangeFeatures?(rows: Float32Array, hidden: number, plan: TilePlan): Float32Array;
  /**
   * Decoder `position_ids` for positions [start, start + count) of the whole token sequence `ids`, whose
   * images (and videos, in order) have these plans (Qwen2-VL's 3-D rope positions). Absent: 1-D positions
   * start…start+count−1.
   */
  positionIds?(ids: readonly number[], plans: readonly MediaPlan[], start: number, count: number): TensorData;
  /** Video input, for the families that read video (Qwen2-VL): absent, a video part is refused. */
  readonly video?: FamilyVideo;
  /**
   * File stems (`onnx/<stem><suffix>.onnx`) of the graphs that play each role, where they differ from
   * vision_encoder / embed_tokens / decoder_model_merged (Phi-3-vision: prepare_inputs_embeds, model).
   */
  readonly sessionFiles?: Partial<Record<SessionRole, string>>;
}

/** How a family takes a video the caller decoded. */
export interface FamilyVideo {
  /** Token id of the video placeholder; the video's feature rows are scattered there. */
  readonly tokenId: number;
  /** What the chat template writes for a video part (rendered as text, so any template takes it). */
  readonly templateText: string;
  /** The token in templateText that expands to the video's placeholder run. */
  readonly placeholder: string;
  plan(source: VideoSource, sampling: VideoSampling): VideoPlan;
  /** The text that replaces one placeholder, for a video with this plan. */
  expand(plan: VideoPlan): string;
  /** Vision encoder feeds for the planned frames (raw RGB, in plan order). */
  preprocess(
    frames: readonly { width: number; height: number; data: Uint8Array }[],
    plan: VideoPlan,
  ): Promise<Record<string, TensorData>>;
}

/** The graphs the generation loop runs: image encoder, token embedder, decoder with the KV cache. */
export type SessionRole = 'vision' | 'embed' | 'decoder';

/** A family's geometry face, found by model_type in registry.ts: all the main process binds. */
export interface ModelFamily {
  readonly name: string;
  /** `model_type` values in config.json that this family reads. */
  readonly modelTypes: readonly string[];
  /** Validates the configs; throws TesseraError naming the file and key that is wrong. */
  bind(json: ModelJson): FamilyGeometry;
}

/** A family's engine face, found by family name in engines.ts: binds the geometry with the pixel code. */
export interface FamilyEngine {
  readonly name: string;
  /** Validates the configs as ModelFamily.bind does. */
  bind(json: ModelJson): FamilyModel;
}

/** What a FamilyModel adds to its geometry. */
export type FamilyPixels = Omit<FamilyModel, keyof FamilyGeometry>;

/**
 * A FamilyModel from a family's geometry and its pixel hooks. Property descriptors are copied rather than
 * spread so a geometry's getter stays lazy (Phi-3-vision reads its image token id from the tokenizer on first
 * use, which planning never needs).
 */
export function withPixels(geometry: FamilyGeometry, pixels: FamilyPixels): FamilyModel {
  return Object.defineProperties({ ...pixels }, Object.getOwnPropertyDescriptors(geometry)) as FamilyModel;
}

/** Every family's hooks take only plans it made; another family's plan is a bug in the caller. */
export function assertOwnPlan(plan: TilePlan, family: string): void {
  if (plan.family !== family) {
    throw new TesseraError('INTERNAL', `A ${plan.family} tile plan was given to the ${family} family.`);
  }
}

/** A family's video pixel code takes only its own plans, with one decoded frame per sampled frame. */
export function assertOwnVideoPlan(plan: VideoPlan, family: string, decodedFrames: number): void {
  if (plan.family !== family) {
    throw new TesseraError('INTERNAL', `A ${plan.family} video plan was given to the ${family} family.`);
  }
  if (decodedFrames !== plan.frames.length) {
    throw new TesseraError(
      'INTERNAL',
      `The video plan samples ${plan.frames.length} frames but ${decodedFrames} were decoded.`,
    );
  }
}
