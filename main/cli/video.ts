/**
 * Reading a video clip for `tessera ask` with ffmpeg from PATH (the engine never runs ffmpeg): `ffprobe` states
 * the clip's size, frame rate and frame count, the model family's plan picks the frames, and `ffmpeg` decodes
 * exactly those (a `select` on frame numbers, as Python samples by index), scaled to the plan's size, as raw
 * RGB on a pipe. Everything is bounded before and while it runs: the frame size, the clip's frame count, the
 * frames sampled, the bytes read from the pipe, and the time either tool may take.
 */
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import type { VideoPart } from '../../app/chat.ts';
import type { Size } from '../../app/tile-plan.ts';
import type { VideoPlan, VideoSampling, VideoSource } from '../../app/video-plan.ts';
import { TesseraError } from '../../models/errors.ts';
import { readQwenConfig } from '../../models/families/qwen2-vl/config.ts';
import type { ModelJson } from '../../models/families/family.ts';
import { planQwenVideo } from '../../models/families/qwen2-vl/video-plan.ts';
import { readSmolVlmConfig, readSmolVlmVideoSettings } from '../../models/families/smolvlm/config.ts';
import { planSmolVlmVideo } from '../../models/families/smolvlm/video-plan.ts';
import { readModelJson } from '../../models/runtime/model-folder.ts';

export const FFMPEG_INSTALL_HINT =
  'tessera needs ffmpeg on PATH to read videos: install it (apt install ffmpeg, brew install ffmpeg, ' +
  'winget install ffmpeg) and run the command again.';

export interface VideoLimits {
  /** Largest frame, width × height, the clip may declare (as for images). */
  maxFramePixels: number;
  /** Most frames the clip may hold (a 30 fps clip of about 2 hours). */
  maxClipFrames: number;
  /** Most frames one question may sample. */
  maxSampledFrames: number;
  /** Each ffprobe / ffmpeg run is stopped after this long. */
  timeoutMs: number;
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  maxFramePixels: 100_000_000,
  maxClipFrames: 216_000,
  maxSampledFrames: 768,
  timeoutMs: 120_000,
};

/** The commands run; tests point them elsewhere. */
export interface VideoTools {
  ffmpeg: string;
  ffprobe: string;
}

const TOOLS: VideoTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

/** Files `tessera ask` reads as videos, by extension (the rest are images). */
const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.webm', '.mkv', '.avi']);

export const isVideoPath = (path: string): boolean => VIDEO_EXTENSIONS.has(extname(path).toLowerCase());

/**
 * The video part for a clip and a model: probe, plan with the model's family (Qwen2-VL / Qwen2.5-VL read
 * video), decode the planned frames at the planned size. The engine plans again from the same facts and
 * checks the frames against its plan.
 */
/** How the model's family plans a video, as its engine will (null when it does not take video). */
function videoPlanner(json: ModelJson): ((source: VideoSource, sampling: VideoSampling) => VideoPlan) | null {
  const type = json.config.model_type;
  if (type === 'qwen2_vl' || type === 'qwen2_5_vl') {
    const cfg = readQwenConfig(json);
    return (source, sampling) => planQwenVideo(cfg, source, sampling);
  }
  const settings = readSmolVlmVideoSettings(json);
  if (!settings) return null;
  const cfg = readSmolVlmConfig(json);
  return (source, sampling) => planSmolVlmVideo(cfg, settings, source, sampling);
}

export async function readVideoPart(
  modelDir: string,
  path: string,
  sampling: VideoSampling = {},
  limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
  tools: VideoTools = TOOLS,
): Promise<{ part: VideoPart; plan: VideoPlan }> {
  const json = readModelJson(modelDir);
  const planner = videoPlanner(json);
  if (!planner) {
    const type = json.config.model_type;
    throw new TesseraError(
      'BAD_REQUEST',
      `${modelDir} is a ${String(type)} model, which does not take video; ask about ${path} with a Qwen2-VL, ` +
        'Qwen2.5-VL or SmolVLM2 model.',
    );
  }
  const source = await probeVideo(path, limits, tools);
  const plan = planner(source, sampling);
  const data = await decodeFrames(
    path,
    plan.frames.map((f) => f.index),
    plan.resized,
    limits,
    tools,
  );
  const frames = data.map((bytes) => ({ ...plan.resized, data: bytes }));
  const part: VideoPart = {
    type: 'video',
    source,
    ...(Object.keys(sampling).length > 0 ? { sampling } : {}),
    frames,
  };
  return { part, plan };
}

/** ffprobe's facts about the clip's first video stream, checked against the limits. */
export async function probeVideo(
  path: string,
  limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
  tools: VideoTools = TOOLS,
): Promise<VideoSource> {
  const args = [
    ...['-v', 'error', '-select_streams', 'v:0', '-count_packets'],
    ...['-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,nb_read_packets', '-of', 'json'],
    path,
  ];
  const run = await runTool(tools.ffprobe, args, limits.timeoutMs, 1024 * 1024);
  if (run.code !== 0) {
    throw notAVideo(path, run.stderr);
  }
  const stream = parseStream(run.stdout.toString('utf8'));
  if (!stream) throw notAVideo(path, 'it has no video stream');
  const width = Number(stream.width);
  const height = Number(stream.height);
  const totalFrames = Number(stream.nb_read_packets);
  const frameRate = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  if (!(width > 0 && height > 0 && totalFrames > 0 && frameRate)) {
    throw notAVideo(path, 'ffprobe found no frame size, frame rate or frames');
  }
  if (width * height > limits.maxFramePixels) {
    throw new TesseraError(
      'BAD_REQUEST',
      `${path}: its frames are ${width}×${height} pixels, over the limit of ` +
        `${limits.maxFramePixels.toLocaleString('en')}; scale the video down first.`,
    );
  }
  if (totalFrames > limits.maxClipFrames) {
    throw new TesseraError(
      'BAD_REQUEST',
      `${path}: it has ${totalFrames} frames, over the limit of ${limits.maxClipFrames}; trim it to the part ` +
        'you are asking about.',
    );
  }
  return { size: { width, height }, totalFrames, frameRate };
}

/**
 * The frames with these indices (ascending, as a plan lists them), each scaled to `size`: raw RGB, row-major.
 * ffmpeg's bicubic scaling stands in for the torchvision bicubic resize Python applies to the frames.
 */
export async function decodeFrames(
  path: string,
  indices: readonly number[],
  size: Size,
  limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
  tools: VideoTools = TOOLS,
): Promise<Uint8Array[]> {
  if (indices.length === 0 || indices.length > limits.maxSampledFrames) {
    throw new TesseraError(
      'BAD_REQUEST',
      `${indices.length} frames were asked of ${path}; between 1 and ${limits.maxSampledFrames} can be ` +
        'sampled. Lower the sampling rate or the maximum number of frames.',
    );
  }
  const frameBytes = size.width * size.height * 3;
  // Repeated indices (a short clip sampled more often than it has frames) are decoded once and copied.
  const unique = [...new Set(indices)];
  const select = unique.map((n) => `eq(n\\,${n})`).join('+');
  const args = [
    ...['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0'],
    ...['-vf', `select='${select}',scale=${size.width}:${size.height}:flags=bicubic`],
    // One output frame per selected frame. `-vsync` rather than its successor `-fps_mode` (ffmpeg 5.1), which
    // the ffmpeg 4.4 of Ubuntu 22.04 lacks; newer versions still take it.
    ...['-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ];
  const run = await runTool(tools.ffmpeg, args, limits.timeoutMs, unique.length * frameBytes);
  if (run.code !== 0) throw notAVideo(path, run.stderr);
  if (run.stdout.length !== unique.length * frameBytes) {
    throw new TesseraError(
      'BAD_REQUEST',
      `${path}: ffmpeg decoded ${Math.floor(run.stdout.length / frameBytes)} of the ${unique.length} frames ` +
        'asked for; the file may be damaged, or shorter than its header says. Re-encode it and try again.',
    );
  }
  const byIndex = new Map(
    unique.map((n, k) => [n, new Uint8Array(run.stdout.subarray(k * frameBytes, (k + 1) * frameBytes))]),
  );
  return indices.map((n) => byIndex.get(n) as Uint8Array);
}

interface ToolRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a tool with a time limit and a cap on what it may write: more than `maxStdout` bytes stops it (a clip
 * that decodes to more than it declared is refused, not buffered).
 */
function runTool(command: string, args: string[], timeoutMs: number, maxStdout: number): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: TesseraError | null = null;
    const stop = (error: TesseraError) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () =>
        stop(
          new TesseraError(
            'BAD_REQUEST',
            `${command} took over ${timeoutMs / 1000} s and was stopped; trim the video or lower ` +
              'its resolution.',
          ),
        ),
      timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxStdout) {
        stop(
          new TesseraError(
            'BAD_REQUEST',
            `${command} produced more than the ${maxStdout.toLocaleString('en')} bytes expected; the video ` +
              'is not what its header says. Re-encode it and try again.',
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new TesseraError('BAD_REQUEST', FFMPEG_INSTALL_HINT)
          : new TesseraError('BAD_REQUEST', `${command} could not be started: ${error.message}`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ code, stdout: Buffer.concat(chunks), stderr: stderr.trim() });
    });
  });
}

function notAVideo(path: string, detail: string): TesseraError {
  const reason = detail.split('\n').at(-1) ?? '';
  return new TesseraError(
    'BAD_REQUEST',
    `${path} is not a video ffmpeg can read${reason ? ` (${reason})` : ''}. Send an MP4, WebM or MOV clip.`,
  );
}

function parseStream(json: string): Record<string, unknown> | undefined {
  try {
    const streams = (JSON.parse(json) as { streams?: unknown }).streams;
    return Array.isArray(streams) ? (streams[0] as Record<string, unknown> | undefined) : undefined;
  } catch {
    return undefined;
  }
}

/** "30000/1001" → 29.97…; "0/0" (unknown) → null. */
function parseRate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const [num, den] = value.split('/').map(Number);
  const rate = den === undefined ? num : (num ?? NaN) / den;
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? rate : null;
}
