/**
 * SmolVLM2 video arithmetic, following transformers' `models/smolvlm/video_processing_smolvlm.py`
 * (`SmolVLMVideoProcessor.sample_frames`, `resize`) and `processing_smolvlm.py` (`process_video`): which frames are
 * sampled, the size each becomes, and the text a `<video>` placeholder expands to. Every sampled frame is one
 * global view (videos are never split into tiles), so it costs image_seq_len `<image>` tokens like an unsplit
 * image; its timestamp is written before it and an intro naming the frame count and duration opens the run.
 * Pure arithmetic: no pixels are touched here.
 */
import type { Size } from '../../../app/tile-plan.ts';
import type { SampledFrame, VideoPlan, VideoSampling, VideoSource } from '../../../app/video-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { SmolVlmConfig, SmolVlmVideoSettings } from './config.ts';
import { FAMILY } from './plan.ts';
import { expandImagePrompt } from './prompt.ts';

export interface SmolVlmVideoPlan extends VideoPlan {
  /** After the first resize (longest edge → video_size, odd short side made even); frames then become M×M. */
  scaled: Size;
  /** `You are provided the following series of … frames from a H:MM:SS [H:MM:SS] video.\n`. */
  intro: string;
  /** Each frame's `mm:ss`, in frame order. */
  timestamps: string[];
}

/** Python's MAX_IMAGE_SIZE in video_processing_smolvlm. */
const MAX_IMAGE_SIZE = 4096;
/** sample_frames' skip_secs default: a long clip loses a second at each end. */
const SKIP_SECONDS = 1;
/** num2words below is written for counts up to this; a cap on max_frames far above any shipped config. */
const MAX_WORDED_FRAMES = 999;

/** Python's round(): halves go to the even side. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return diff < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * `sample_frames`: round(fps × duration) frames, at most max_frames and at least 1; between the first and last
 * frame, or — when the clip is longer than 2 s plus max_frames × fps seconds — a second in from each end;
 * `np.linspace(start, end, n, dtype=int)` (i × step + start, truncated; the last is `end` exactly), duplicates
 * dropped (`np.unique`), so a short clip at a high rate gives fewer frames than asked.
 */
export function smolVlmSampledFrames(source: VideoSource, fps: number, maxFrames: number): SampledFrame[] {
  const total = source.totalFrames;
  const duration = total / source.frameRate;
  const desired = Math.max(1, Math.min(roundHalfEven(fps * duration), maxFrames));
  let start = 0;
  let end = total - 1;
  if (duration - 2 * SKIP_SECONDS > maxFrames * fps) {
    start = Math.trunc(SKIP_SECONDS * source.frameRate);
    end = Math.trunc(total - SKIP_SECONDS * source.frameRate);
  }
  start = Math.max(0, start);
  end = Math.min(end, total - 1);
  if (start >= end) [start, end] = [0, total - 1];
  const step = desired > 1 ? (end - start) / (desired - 1) : 0;
  const picked = Array.from({ length: desired }, (_, i) =>
    i === desired - 1 && desired > 1 ? end : Math.trunc(i * step + start),
  );
  const indices = [...new Set(picked)].sort((a, b) => a - b);
  return indices.map((index) => ({ index, seconds: index / source.frameRate }));
}

/** `get_resize_output_image_size` in video_processing_smolvlm: longest edge → maxSide, odd short side made even. */
export function smolVlmVideoScaled({ width, height }: Size, longestEdge: number): Size {
  const maxSide = Math.min(MAX_IMAGE_SIZE, longestEdge);
  const aspectRatio = width / height;
  if (width >= height) {
    width = maxSide;
    height = Math.trunc(width / aspectRatio);
    if (height % 2 !== 0) height += 1;
  } else {
    height = maxSide;
    width = Math.trunc(height * aspectRatio);
    if (width % 2 !== 0) width += 1;
  }
  return { width: Math.max(width, 1), height: Math.max(height, 1) };
}

/** process_video's `(int(s // 60), int(s % 60))` formatted `{:02d}:{:02d}`. */
export function frameTimestamp(seconds: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(seconds / 60))}:${two(Math.trunc(seconds % 60))}`;
}

/** Python's `str(timedelta(seconds=int(duration)))`: H:MM:SS, with "N day(s), " in front past a day. */
export function durationText(seconds: number): string {
  const whole = Math.trunc(seconds);
  const days = Math.floor(whole / 86400);
  const rest = whole % 86400;
  const two = (n: number) => String(n).padStart(2, '0');
  const clock = `${Math.floor(rest / 3600)}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}`;
  return days === 0 ? clock : `${days} day${days === 1 ? '' : 's'}, ${clock}`;
}

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** num2words' English cardinal for 0–999 ("twenty-one", "one hundred and five"), as the intro writes the count. */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_WORDED_FRAMES) {
    throw new TesseraError(
      'BAD_REQUEST',
      `SmolVLM2 writes frame counts up to ${MAX_WORDED_FRAMES}, got ${n}.`,
    );
  }
  if (n < 20) return ONES[n] as string;
  if (n < 100) {
    const ones = n % 10;
    return `${TENS[Math.floor(n / 10)] as string}${ones === 0 ? '' : `-${ONES[ones] as string}`}`;
  }
  const rest = n % 100;
  return `${ONES[Math.floor(n / 100)] as string} hundred${rest === 0 ? '' : ` and ${numberWords(rest)}`}`;
}

/**
 * `\n\n` after the last view: two `\n` tokens before the question's words (a GPT-2 split keeps the last
 * whitespace for the next word), one `\n\n` token before an image or the end of the message.
 */
const OUTRO_TOKENS = 2;

/** `\nFrame from mm:ss:`, the text process_video writes before each frame's view. */
const frameLabel = (timestamp: string) => `\nFrame from ${timestamp}:`;

// GPT-2's split, as SmolLM2's ByteLevel pre-tokenizer cuts text (after its Digits step, so no digits here).
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Text cut as SmolLM2's pre-tokenizer cuts it: every digit apart (Digits, individual), then GPT-2's split. */
export function templateTextPieces(text: string): string[] {
  return text
    .split(/(\p{N})/u)
    .flatMap((run) => (/^\p{N}$/u.test(run) ? [run] : [...run.matchAll(GPT2_SPLIT)].map((m) => m[0])));
}

/**
 * Tokens of the text this template writes, without the tokenizer: every piece of it ("Frame", " from",
 * " provided", " [", "MM", ":", a digit, …) is one token in SmolVLM2's 49k vocabulary. A smaller vocabulary
 * (the generated test models') may cut a word in more; the engine's count is then the larger.
 */
export const templateTextTokens = (text: string): number => templateTextPieces(text).length;

export function planSmolVlmVideo(
  cfg: SmolVlmConfig,
  settings: SmolVlmVideoSettings,
  source: VideoSource,
  sampling: VideoSampling,
): SmolVlmVideoPlan {
  checkSource(source);
  const fps = sampling.fps ?? settings.fps;
  const maxFrames = sampling.maxFrames ?? settings.maxFrames;
  if (!(fps > 0) || !Number.isInteger(maxFrames) || maxFrames < 1 || maxFrames > MAX_WORDED_FRAMES) {
    throw new TesseraError(
      'BAD_REQUEST',
      `SmolVLM2 samples at a rate above 0 and 1 to ${MAX_WORDED_FRAMES} frames; got ${fps} fps and at most ` +
        `${maxFrames} frames.`,
    );
  }
  const frames = smolVlmSampledFrames(source, fps, maxFrames);
  const durationSeconds = source.totalFrames / source.frameRate;
  const m = cfg.tileSize;
  const seq = cfg.imageSeqLen;
  const sampleFps = (frames.length / source.totalFrames) * source.frameRate;
  const timestamps = frames.map((f) => frameTimestamp(f.seconds));
  const intro =
    `You are provided the following series of ${numberWords(frames.length)} frames from a ` +
    `${durationText(durationSeconds)} [H:MM:SS] video.\n`;
  // The intro ends in "\n" and the first label starts with one: a split keeps them apart, so they add up.
  const introTokens = templateTextTokens(intro);
  const frameCosts = timestamps.map((t) => ({
    label: frameLabel(t).trim(),
    tokens: seq + 3 + templateTextTokens(frameLabel(t)),
  }));
  return {
    family: FAMILY,
    original: { width: source.size.width, height: source.size.height },
    scaled: smolVlmVideoScaled(source.size, settings.videoLongestEdge),
    resized: { width: m, height: m },
    durationSeconds,
    frames,
    // One frame per view: nothing is fused in time.
    temporalPatchSize: 1,
    sampleFps,
    secondsPerTemporalPatch: 1 / sampleFps,
    grid: { temporal: frames.length, rows: 1, cols: 1 },
    tokensPerTemporalPatch: seq,
    videoTokens: frames.length * seq,
    // Each global view with its markers (fake, global, fake) and its label, the intro and the outro.
    promptTokens: introTokens + frameCosts.reduce((sum, f) => sum + f.tokens, 0) + OUTRO_TOKENS,
    frameCosts,
    intro,
    timestamps,
  };
}

/** What one `<video>` becomes: the intro, then `\nFrame from mm:ss:` and a global view per frame, then `\n\n`. */
export function expandVideoPrompt(plan: VideoPlan, imageSeqLen: number): string {
  if (plan.family !== FAMILY || !('intro' in plan) || !('timestamps' in plan)) {
    throw new TesseraError('INTERNAL', `A ${plan.family} video plan was given to the ${FAMILY} family.`);
  }
  const { intro, timestamps } = plan as SmolVlmVideoPlan;
  const view = expandImagePrompt(0, 0, imageSeqLen);
  return `${intro}${timestamps.map((t) => `${frameLabel(t)}${view}`).join('')}\n\n`;
}

function checkSource({ size, totalFrames, frameRate }: VideoSource): void {
  const whole = (n: number) => Number.isInteger(n) && n > 0;
  if (!whole(size.width) || !whole(size.height) || !whole(totalFrames) || !(frameRate > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `A video needs a whole positive size, frame count and a frame rate above 0; got ${size.width} × ` +
        `${size.height}, ${totalFrames} frames at ${frameRate} fps.`,
    );
  }
}
