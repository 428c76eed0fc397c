/**
 * Screen capture in the browser host (`tessera serve`): the browser's own picker (getDisplayMedia) chooses
 * a screen, a window or a tab; one frame is drawn to a canvas and encoded as PNG, and every track is stopped
 * at once, so the capture indicator goes away. The picture never leaves the machine: it is attached like a
 * pasted screenshot (the composer's addFiles). The desktop app captures in the main process instead
 * (main/electron/capture.ts) and hands the same PNG bytes over.
 */

export class CaptureError extends Error {
  constructor(
    readonly reason: 'denied' | 'unavailable' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

export const CAPTURE_DENIED =
  'Screen capture was cancelled or not allowed. Nothing was captured; choose a screen or window and allow ' +
  'sharing to take a screenshot.';

const FRAME_WAIT_MS = 10_000;

/** "Screenshot 2026-12-07 05-04-55.png", from the local time (no ':' so every OS accepts the name). */
export function captureName(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  return `Screenshot ${day} ${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}.png`;
}

/** What getDisplayMedia's rejection means for the user. */
export function captureErrorOf(error: unknown): CaptureError {
  if (error instanceof CaptureError) return error;
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError') return new CaptureError('denied', CAPTURE_DENIED);
  if (name === 'NotFoundError' || name === 'NotSupportedError')
    return new CaptureError('unavailable', 'This browser has no screen to capture.');
  const detail = error instanceof Error ? error.message : String(error);
  return new CaptureError('failed', `The screen could not be captured: ${detail}`);
}

export interface Capture {
  file: File;
  width: number;
  height: number;
}

/** One frame of a screen, window or tab the user picks, as a PNG file. */
export async function captureScreen(
  media: Pick<MediaDevices, 'getDisplayMedia'> | undefined = globalThis.navigator?.mediaDevices,
  now: () => Date = () => new Date(),
): Promise<Capture> {
  if (!media?.getDisplayMedia)
    throw new CaptureError('unavailable', 'This browser cannot capture the screen (no getDisplayMedia).');
  let stream: MediaStream;
  try {
    stream = await media.getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    throw captureErrorOf(error);
  }
  try {
    const frame = await firstFrame(stream);
    const file = new File([frame.blob], captureName(now()), { type: 'image/png' });
    return { file, width: frame.width, height: frame.height };
  } finally {
    for (const track of stream.getTracks()) track.stop();
  }
}

/** The stream's first decoded frame, through a video element and a canvas (ImageCapture is Chromium-only). */
async function firstFrame(stream: MediaStream): Promise<{ blob: Blob; width: number; height: number }> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  try {
    await video.play();
    if (video.videoWidth === 0) {
      // A stream that never shows a frame (a source closed at once) must not leave the button waiting.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new CaptureError('failed', 'The capture showed no picture.')),
          FRAME_WAIT_MS,
        );
        video.onresize = () => (clearTimeout(timer), resolve());
        video.onerror = () => (
          clearTimeout(timer),
          reject(new CaptureError('failed', 'The captured video could not be read.'))
        );
      });
    }
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d');
    if (!context) throw new CaptureError('failed', 'No 2D canvas to draw the capture on.');
    context.drawImage(video, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new CaptureError('failed', 'The capture could not be encoded as PNG.');
    return { blob, width: canvas.width, height: canvas.height };
  } finally {
    video.pause();
    video.srcObject = null;
  }
}
