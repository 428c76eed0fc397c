/**
 * A loaded vision-language model: prepares images and videos (decode, plan, encode; features cached by
 * content hash and plan), keeps each thread's KV cache between turns, and streams answers. One request runs
 * at a time.
 */
import type {
  ChatMessage,
  GenerateRequest,
  GenerateResult,
  ImagePart,
  ModulePlacement,
  VideoPart,
} from '../../app/chat.ts';
import type { Detail, Size, TilePlan } from '../../app/tile-plan.ts';
import type { MediaPlan } from '../../app/video-plan.ts';
import { TesseraError } from '../errors.ts';
import { decodeImage, imageHash } from '../image/decode.ts';
import type { LoadOptions, LoadedParts, Placed } from './load.ts';
import { loadParts } from './load.ts';
import { DeviceSlicer } from './device-slice.ts';
import { KvCache } from './kv-cache.ts';
import { readModelJson } from './model-folder.ts';
import { ByteLru } from './lru.ts';
import type { ImageSpan, PromptImage, PromptVideo } from './prompt.ts';
import type { HeldFrame, VideoFeatures } from './video.ts';
import { encodeVideo, isEncodedFrame, videoKey, videoPlanOf } from './video.ts';
import { buildPrompt, reusablePrefix } from './prompt.ts';
import { runGeneration } from './generate.ts';
import { readFloat32, toOrt } from './onnx.ts';
import type { OnStage } from './progress.ts';
import { ignoreStages } from './progress.ts';
import { watchedTextModel } from '../text/tokenizer.ts';

export interface ImageFeatures {
  plan: TilePlan;
  /** [plan.imageTokens, hidden] row-major. */
  rows: Float32Array;
  preprocessMs: number;
  encodeMs: number;
}

export interface ThreadCache {
  ids: number[];
  spans: ImageSpan[];
  kv: KvCache;
}

export interface ModelInfo {
  dir: string;
  family: string;
  contextLength: number;
  providers: { vision: ModulePlacement; embed: ModulePlacement; decoder: ModulePlacement };
}

export interface VlmOptions extends LoadOptions {
  /** Memory kept for conversation KV caches across threads (least recently used go first). */
  kvBudgetBytes?: number;
  featureBudgetBytes?: number;
}

const MiB = 1024 * 1024;

export class Vlm {
  readonly threads: ByteLru<ThreadCache>;
  /** Images' features by `${sha256}:${detail}`, videos' by videoKey. */
  private readonly features: ByteLru<ImageFeatures | VideoFeatures>;
  private readonly imageBytes = new ByteLru<Uint8Array>(256 * MiB);
  private queue: Promise<unknown> = Promise.resolve();
  private readonly slicer: DeviceSlicer;
  /** The vision encoder's patch side (vision_config.patch_size), where the config states it. */
  private readonly patchSize: number | undefined;

  private constructor(
    readonly parts: LoadedParts,
    options: VlmOptions,
  ) {
    this.threads = new ByteLru<ThreadCache>(options.kvBudgetBytes ?? 1024 * MiB, (t) => t.kv.dispose());
    this.features = new ByteLru<ImageFeatures | VideoFeatures>(options.featureBudgetBytes ?? 256 * MiB);
    this.slicer = new DeviceSlicer(parts.decoder.provider);
    this.patchSize = patchSizeOf(parts.dir);
  }

  static async load(dir: string, options: VlmOptions = {}): Promise<Vlm> {
    return new Vlm(await loadParts(dir, options), options);
  }

  get info(): ModelInfo {
    const place = (p: Placed): ModulePlacement => ({
      provider: p.provider,
      dtype: p.dtype,
      ...(p.cache ? { cache: p.cache } : {}),
    });
    const { dir, family, contextLength, vision, embed, decoder } = this.parts;
    return {
      dir,
      family: family.family,
      contextLength,
      providers: { vision: place(vision), embed: place(embed), decoder: place(decoder) },
    };
  }

  /**
   * Decodes, plans and encodes an image now (on attach), so a later question only waits for prefill. A caller
   * that already hashed the bytes (the app's image store) passes the hash, and it is not computed again.
   */
  prepareImage(
    data: Uint8Array,
    detail?: Detail,
    onStage: OnStage = ignoreStages,
    knownSha256?: string,
  ): Promise<{ sha256: string; plan: TilePlan }> {
    return this.exclusive(async () => {
      const sha256 = knownSha256 ?? imageHash(data);
      this.imageBytes.set(sha256, data, data.byteLength);
      const { plan } = await this.featuresFor(sha256, detail ?? this.parts.family.defaultDetail, onStage);
      return { sha256, plan };
    });
  }

  generate(
    request: GenerateRequest,
    onText: (delta: string) => void,
    signal?: AbortSignal,
    onStage: OnStage = ignoreStages,
  ): Promise<GenerateResult> {
    return this.exclusive(() => this.generateNow(request, onText, signal, onStage));
  }

  /**
   * The prompt's length in tokens exactly as `generate` builds it, from the images' sizes alone (a plan needs
   * nothing else). Not queued behind a running answer: it touches no session.
   */
  countTokens(
    messages: readonly ChatMessage[],
    sizes: Readonly<Record<string, Size>>,
    onStage: OnStage = ignoreStages,
  ): { promptTokens: number } {
    const { family, text } = this.parts;
    const images = messages.flatMap((m) =>
      m.content.flatMap((part): PromptImage[] => {
        if (part.type !== 'image') return [];
        const sha256 = part.sha256 ?? (part.data ? imageHash(part.data) : '');
        const size = sizes[sha256];
        if (!size) {
          throw new TesseraError('BAD_REQUEST', `No size was given for the image ${sha256.slice(0, 12)}…`);
        }
        const detail = part.detail ?? family.defaultDetail;
        return [{ key: `${sha256}:${detail}`, plan: family.planImage(size, detail) }];
      }),
    );
    const videos = messages.flatMap((m) =>
      m.content.flatMap((part): PromptVideo[] =>
        part.type === 'video' ? [{ key: '', video: videoPlanOf(family, part) }] : [],
      ),
    );
    return {
      promptTokens: buildPrompt(messages, images, family, watchedTextModel(text, onStage), videos).ids.length,
    };
  }

  forgetThread(threadId: string): void {
    this.threads.delete(threadId);
  }

  stats() {
    return {
      threadsCached: this.threads.size,
      kvCacheBytes: this.threads.bytes,
      featureCacheBytes: this.features.bytes,
      imagesCached: this.features.size,
    };
  }

  async dispose(): Promise<void> {
    await this.queue.catch(() => {});
    this.threads.clear();
    this.features.clear();
    const { vision, embed, decoder } = this.parts;
    await Promise.all([vision, embed, decoder].map((p) => p.session.release()));
    await this.slicer.release();
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  private async generateNow(
    request: GenerateRequest,
    onText: (delta: string) => void,
    signal: AbortSignal | undefined,
    onStage: OnStage,
  ): Promise<GenerateResult> {
    const started = performance.now();
    const { family, text, contextLength } = this.parts;
    const parts = request.messages.flatMap((m) =>
      m.content.filter((p): p is ImagePart => p.type === 'image'),
    );
    const images: Array<PromptImage & { sha256: string; features: ImageFeatures; fresh: boolean }> = [];
    const videoParts = request.messages.flatMap((m) =>
      m.content.filter((p): p is VideoPart => p.type === 'video'),
    );
    // Every image and frame is checked before any work, so a caller told IMAGE_NOT_HELD can resend and lose
    // nothing.
    const missing: string[] = [];
    const hashes = this.rememberImages(parts, missing);
    const videoJobs = this.rememberVideos(videoParts, missing);
    if (missing.length > 0) throw notHeld(missing);
    for (const [i, part] of parts.entries()) {
      const sha256 = hashes[i] as string;
      const detail = part.detail ?? family.defaultDetail;
      const key = `${sha256}:${detail}`;
      const fresh = this.features.get(key) === undefined;
      const features = await this.featuresFor(sha256, detail, onStage);
      images.push({ key, sha256, plan: features.plan, features, fresh });
    }
    const videos: Array<PromptVideo & { rows: Float32Array; features: VideoFeatures; fresh: boolean }> = [];
    for (const { key, plan, frames, cached } of videoJobs) {
      const features = cached ?? (await encodeVideo(this.parts, frames, plan, onStage));
      if (!cached) this.features.set(key, features, features.rows.byteLength);
      videos.push({ key, video: plan, rows: features.rows, features, fresh: !cached });
    }
    const prompt = buildPrompt(request.messages, images, family, watchedTextModel(text, onStage), videos);
    // Feature rows and plans in the order the parts appear, as the prompt numbers its placeholder rows.
    const media = mediaInOrder(request.messages, images, videos);
    if (prompt.ids.length >= contextLength) {
      throw new TesseraError(
        'PROMPT_TOO_LONG',
        `The prompt is ${prompt.ids.length} tokens and the model's context window is ${contextLength}: ` +
          `${prompt.ids.length - contextLength + 1} tokens over. Remove an image, lower its detail, shorten the text, or start a new thread.`,
      );
    }
    const kept = request.threadId ? this.threads.take(request.threadId) : undefined;
    const { cache, reused } = await this.startingCache(kept, prompt);
    const result = await runGeneration({
      parts: this.parts,
      prompt,
      images: media.map((m) => m.rows),
      plans: media.map((m) => m.plan),
      cache,
      reused,
      sampling: request.sampling ?? {},
      maxTokens: Math.min(request.sampling?.maxTokens ?? 512, contextLength - prompt.ids.length),
      onText,
      signal,
      started,
      onStage,
    });
    if (request.threadId) {
      const thread = { ids: result.fedIds, spans: prompt.spans, kv: result.cache };
      this.threads.set(request.threadId, thread, result.cache.bytes);
    } else {
      result.cache.dispose();
    }
    const fresh = images.filter((i) => i.fresh);
    const freshVideos = videos.filter((v) => v.fresh);
    // The features made for this answer, images' and videos': only their time is this answer's.
    const made = [...fresh, ...freshVideos].map((m) => m.features);
    return {
      text: result.text,
      tokenIds: result.tokenIds,
      finishReason: result.finishReason,
      ...(result.confidence ? { confidence: result.confidence } : {}),
      stats: {
        ...result.stats,
        imagesEncoded: fresh.length,
        imagesFromCache: images.length - fresh.length,
        videosEncoded: freshVideos.length,
        videosFromCache: videos.length - freshVideos.length,
        preprocessMs: made.reduce((s, f) => s + f.preprocessMs, 0),
        visionEncodeMs: made.reduce((s, f) => s + f.encodeMs, 0),
        providers: this.info.providers,
        // For the answer's anatomy (renderer/components/AnatomyPanel.tsx).
        images: images.map((i) => ({
          sha256: i.sha256,
          plan: i.plan,
          cached: !i.fresh,
          preprocessMs: i.features.preprocessMs,
          encodeMs: i.features.encodeMs,
        })),
        ...(this.patchSize ? { patchSize: this.patchSize } : {}),
        graphs: {
          vision: graphName(this.parts.vision),
          embed: graphName(this.parts.embed),
          decoder: graphName(this.parts.decoder),
        },
      },
    };
  }

  /**
   * The kept cache cropped to what the new prompt shares with it; at least one token is always prefilled. A
   * cache that cannot be cropped (conv states) is reused only when the prompt extends all of it.
   */
  private async startingCache(kept: ThreadCache | undefined, prompt: { ids: number[]; spans: ImageSpan[] }) {
    const empty = () => ({ cache: KvCache.empty(this.parts.decoder.session), reused: 0 });
    if (!kept) return empty();
    const reused = Math.min(reusablePrefix(kept, prompt), prompt.ids.length - 1);
    if (reused <= 0 || (reused < kept.kv.length && !kept.kv.croppable)) {
      kept.kv.dispose();
      return empty();
    }
    const cache = await kept.kv.crop(reused, this.slicer);
    if (cache !== kept.kv) kept.kv.dispose();
    return { cache, reused };
  }

  /**
   * Each part's content hash, keeping the bytes of parts that carry them. A part sent by hash alone must name
   * an image whose bytes or features (at its detail) are still held; otherwise its hash joins `missing` and
   * the caller is told IMAGE_NOT_HELD and sends the bytes again (the byte cache is bounded, and a restarted
   * engine holds nothing).
   */
  private rememberImages(parts: readonly ImagePart[], missing: string[]): string[] {
    return parts.map((part) => {
      if (part.data) {
        const sha256 = part.sha256 ?? imageHash(part.data);
        this.imageBytes.set(sha256, part.data, part.data.byteLength);
        return sha256;
      }
      if (!part.sha256) {
        throw new TesseraError(
          'BAD_REQUEST',
          'An image part needs its data (or the sha256 of an image sent earlier).',
        );
      }
      const detail = part.detail ?? this.parts.family.defaultDetail;
      const held = this.imageBytes.get(part.sha256) ?? this.features.get(`${part.sha256}:${detail}`);
      if (!held) missing.push(part.sha256);
      return part.sha256;
    });
  }

  /**
   * Each video's plan (checked against its frames), its feature key, and its features where they are cached;
   * otherwise its frames with their bytes in hand. Encoded frames are held as images' bytes are, and one sent
   * by hash alone whose bytes are gone joins `missing`, unless the video's features are still cached.
   */
  private rememberVideos(parts: readonly VideoPart[], missing: string[]) {
    return parts.map((part) => {
      const plan = videoPlanOf(this.parts.family, part, true);
      const key = videoKey(part, plan);
      const held = this.features.get(key);
      const cached = held && isVideoFeatures(held) ? held : undefined;
      // Complete unless the features are cached (then nothing is decoded) or a frame joined `missing`.
      const frames: HeldFrame[] = [];
      for (const frame of part.frames) {
        if (!isEncodedFrame(frame)) {
          frames.push(frame);
          continue;
        }
        if (frame.data) this.imageBytes.set(frame.sha256, frame.data, frame.data.byteLength);
        const bytes = frame.data ?? this.imageBytes.get(frame.sha256);
        if (bytes) frames.push({ sha256: frame.sha256, bytes });
        else if (!cached) missing.push(frame.sha256);
      }
      return { key, plan, frames, cached };
    });
  }

  private async featuresFor(sha256: string, detail: Detail, onStage: OnStage): Promise<ImageFeatures> {
    const key = `${sha256}:${detail}`;
    const cached = this.features.get(key);
    if (cached && !isVideoFeatures(cached)) return cached;
    const bytes = this.imageBytes.get(sha256);
    if (!bytes)
      throw new TesseraError('BAD_REQUEST', `The image ${sha256.slice(0, 12)}… is not held by the engine.`);
    const t0 = performance.now();
    onStage({ stage: 'image' });
    const image = await decodeImage(bytes);
    const { family, vision } = this.parts;
    const plan = family.planImage({ width: image.width, height: image.height }, detail);
    const feeds = await family.preprocess(image, plan);
    const t1 = performance.now();
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, toOrt(t)] as const));
    onStage({ stage: 'vision', file: vision.session.path });
    const output = (await vision.session.run(ortFeeds)).image_features;
    if (!output)
      throw new TesseraError('MODEL_GRAPH_MISMATCH', `${vision.session.path} returned no image_features.`);
    const hidden = output.dims[output.dims.length - 1] ?? 0;
    const encoded = readFloat32(output);
    const rows = family.arrangeFeatures ? family.arrangeFeatures(encoded, hidden, plan) : encoded;
    if (rows.length / hidden !== plan.imageTokens) {
      throw new TesseraError(
        'IMAGE_TOKEN_MISMATCH',
        `The vision encoder returned ${rows.length / hidden} feature rows for an image planned as ${plan.imageTokens} tokens. ` +
          'The model files and configuration do not match; download the model again.',
      );
    }
    const features = { plan, rows, preprocessMs: t1 - t0, encodeMs: performance.now() - t1 };
    this.features.set(key, features, rows.byteLength);
    return features;
  }
}

const isVideoFeatures = (f: ImageFeatures | VideoFeatures): f is VideoFeatures => 'video' in f;

function notHeld(missing: readonly string[]): TesseraError {
  return new TesseraError(
    'IMAGE_NOT_HELD',
    `The engine no longer holds ${missing.length === 1 ? 'this image' : `${missing.length} of the images`} ` +
      `(${missing.map((h) => `${h.slice(0, 12)}…`).join(', ')}); send the image data again.`,
  );
}

/** Images' and videos' rows and plans in the order their parts appear in the messages. */
function mediaInOrder(
  messages: readonly ChatMessage[],
  images: ReadonlyArray<{ plan: TilePlan; features: ImageFeatures }>,
  videos: ReadonlyArray<PromptVideo & { rows: Float32Array }>,
) {
  const next = { image: 0, video: 0 };
  return messages.flatMap((m) =>
    m.content.flatMap((part) => {
      if (part.type === 'image') {
        const image = images[next.image++];
        return image ? [{ rows: image.features.rows, plan: image.plan as MediaPlan }] : [];
      }
      if (part.type === 'video') {
        const video = videos[next.video++];
        return video ? [{ rows: video.rows, plan: video.video as MediaPlan }] : [];
      }
      return [];
    }),
  );
}

/** The file name of a part's graph, without its folder (which names the user's disk). */
function graphName(part: Placed): string {
  return part.session.path.split(/[\\/]/).pop() ?? part.session.path;
}

function patchSizeOf(dir: string): number | undefined {
  try {
    const vision = readModelJson(dir).config.vision_config as { patch_size?: unknown } | undefined;
    const size = vision?.patch_size;
    return typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : undefined;
  } catch {
    return undefined; // the anatomy then shows pixels per token alone
  }
}
