/**
 * Reading a video the user attached with the renderer's own media stack (no native dependency): a <video>
 * element on a blob: URL gives the clip's size and duration, then the frames the model's plan samples are
 * seeked to one by one and drawn onto a canvas at the planned size. Every wait is bounded (a file the browser
 * cannot decode, or a seek that never lands, is an error with a message, never a hang), and the clip's size
 * and length are capped before any frame is drawn, so a "video bomb" costs nothing.
 */
import type { VideoPlanResult } from '../../app/ipc/contract.ts';
import type { Size } from '../../app/tile-plan.ts';

export const VIDEO_LIMITS = {
  /** Largest file opened (it is streamed from disk by the blob: URL, not read into memory). */
  bytes: 2 * 2 ** 30,
  /** Largest frame, width × height (8K UHD). */
  pixels: 7680 * 4320,
  /** Longest clip, in seconds (a screen recording of a bug is seconds long; an hour is far above it). */
  seconds: 3600,
  /** How long the browser may take to read the clip's header. */
  metadataMs: 10_000,
  /** How long one seek (to one sampled frame) may take. */
  seekMs: 5_000,
} as const;

const VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv|ogv)$/i;

/** A file to open as a video: by its type, or by its name when the platform gives no type. */
export function isVideoFile(file: Pick<File, 'type' | 'name'>): boolean {
  return file.type.startsWith('video/') || (file.type === '' && VIDEO_NAME.test(file.name));
}

/** The clip as the browser reports it, and the open element that decodes its frames. */
export interface OpenedVideo {
  element: HTMLVideoElement;
  size: Size;
  durationSeconds: number;
  /** Revokes the blob: URL and empties the element, so the decoder lets go of the file. */
  close(): void;
}

/** Why a clip is refused before any frame is read; null when it is within the limits. */
export function videoLimitProblem(
  name: string,
  facts: { bytes: number; size: Size; durationSeconds: number },
): string | null {
  const { width, height } = facts.size;
  if (facts.bytes > VIDEO_LIMITS.bytes) {
    return `${name} is ${Math.round(facts.bytes / 2 ** 20)} MiB; videos of at most ${VIDEO_LIMITS.bytes / 2 ** 30} GiB are taken.`;
  }
  if (width <= 0 || height <= 0) return `${name} has no picture (an audio-only file?).`;
  if (width * height > VIDEO_LIMITS.pixels) {
    return `${name} is ${width}×${height}; videos of at most ${VIDEO_LIMITS.pixels / 1e6} megapixels a frame are taken.`;
  }
  if (!Number.isFinite(facts.durationSeconds) || facts.durationSeconds <= 0) {
    return `${name} reports no duration, so its frames cannot be sampled. Save it again (or convert it to MP4) and retry.`;
  }
  if (facts.durationSeconds > VIDEO_LIMITS.seconds) {
    return `${name} is ${Math.round(facts.durationSeconds / 60)} minutes long; trim it to at most ${VIDEO_LIMITS.seconds / 60} minutes first.`;
  }
  return null;
}

/** The browser's MediaError as a sentence for the card. */
export function mediaErrorMessage(name: string, code: number | undefined): string {
  const reason =
    code === 4 // MEDIA_ERR_SRC_NOT_SUPPORTED
      ? 'its format or codec is not one this browser decodes'
      : code === 3 // MEDIA_ERR_DECODE
        ? 'it is damaged or truncated'
        : 'it could not be read';
  return `${name} cannot be played here: ${reason}. Try an MP4 (H.264) or WebM (VP8/VP9) file.`;
}

class VideoError extends Error {}

/** Waits for `event` on `target`, failing on the element's error event or after `ms` with `timeoutMessage`. */
function waitFor(target: HTMLVideoElement, event: string, ms: number, timeoutMessage: string, name: string) {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      target.removeEventListener(event, onEvent);
      target.removeEventListener('error', onError);
    };
    const onEvent = () => {
      done();
      resolve();
    };
    const onError = () => {
      done();
      reject(new VideoError(mediaErrorMessage(name, target.error?.code)));
    };
    const timer = setTimeout(() => {
      done();
      reject(new VideoError(timeoutMessage));
    }, ms);
    target.addEventListener(event, onEvent);
    target.addEventListener('error', onError);
  });
}

/**
 * Opens the file in a detached <video> element and reads its size and duration. A WebM straight from a
 * MediaRecorder has no duration in its header (Chromium reports Infinity): seeking far past the end makes the
 * browser find the real one.
 */
export async function openVideo(file: File): Promise<OpenedVideo> {
  const element = document.createElement('video');
  element.muted = true;
  element.preload = 'auto';
  element.playsInline = true;
  const url = URL.createObjectURL(file);
  const close = () => {
    element.removeAttribute('src');
    element.load();
    URL.revokeObjectURL(url);
  };
  try {
    if (file.size > VIDEO_LIMITS.bytes) {
      throw new VideoError(
        videoLimitProblem(file.name, {
          bytes: file.size,
          size: { width: 1, height: 1 },
          durationSeconds: 1,
        }) ?? '',
      );
    }
    const loaded = waitFor(
      element,
      'loadedmetadata',
      VIDEO_LIMITS.metadataMs,
      `${file.name} did not open within ${VIDEO_LIMITS.metadataMs / 1000} s; it may not be a video this browser reads.`,
      file.name,
    );
    element.src = url;
    await loaded;
    if (element.duration === Infinity) {
      const found = waitFor(
        element,
        'durationchange',
        VIDEO_LIMITS.metadataMs,
        `${file.name} reports no duration and the browser could not find its end.`,
        file.name,
      );
      element.currentTime = Number.MAX_SAFE_INTEGER;
      await found;
    }
    const size = { width: element.videoWidth, height: element.videoHeight };
    const durationSeconds = element.duration;
    const problem = videoLimitProblem(file.name, { bytes: file.size, size, durationSeconds });
    if (problem) throw new VideoError(problem);
    return { element, size, durationSeconds, close };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * The time to seek to for each sampled frame: the trim's start plus the frame's time in the trimmed part,
 * kept a little inside the clip (seeking exactly to the end shows no new frame in some browsers).
 */
export function seekTimes(result: VideoPlanResult, start: number, clipDuration: number): number[] {
  const lastFrame = Math.max(0, clipDuration - 1 / result.source.frameRate / 2);
  return result.plan.frames.map((frame) => Math.min(start + frame.seconds, lastFrame));
}

/** Raw RGB from canvas RGBA (the alpha byte dropped), as the engine's video part takes a frame. */
export function rgbFromRgba(rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  const pixels = rgba.length / 4;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = rgba[i * 4] ?? 0;
    rgb[i * 3 + 1] = rgba[i * 4 + 1] ?? 0;
    rgb[i * 3 + 2] = rgba[i * 4 + 2] ?? 0;
  }
  return rgb;
}

/** One decoded frame at the planned size: PNG (for storing and showing) and where it came from. */
export interface DecodedFrame {
  /** Seconds into the whole clip (the trim's start included). */
  seconds: number;
  png: Blob;
}

/**
 * Seeks to each planned frame in order and draws it at the plan's size (the browser's scaler; the engine
 * checks only the size and count). `signal` stops between frames (a new plan or a removed card).
 */
export async function decodeFrames(
  video: OpenedVideo,
  result: VideoPlanResult,
  start: number,
  name: string,
  signal?: AbortSignal,
): Promise<DecodedFrame[]> {
  const { width, height } = result.plan.resized;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new VideoError('No 2D canvas to draw video frames with.');
  const frames: DecodedFrame[] = [];
  for (const seconds of seekTimes(result, start, video.durationSeconds)) {
    if (signal?.aborted) throw new DOMException('Decoding was cancelled.', 'AbortError');
    const seeked = waitFor(
      video.element,
      'seeked',
      VIDEO_LIMITS.seekMs,
      `${name}: the frame at ${seconds.toFixed(2)} s could not be read within ${VIDEO_LIMITS.seekMs / 1000} s.`,
      name,
    );
    video.element.currentTime = seconds;
    await seeked;
    context.drawImage(video.element, 0, 0, width, height);
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!png) throw new VideoError(`${name}: the frame at ${seconds.toFixed(2)} s could not be encoded.`);
    frames.push({ seconds, png });
  }
  return frames;
}
