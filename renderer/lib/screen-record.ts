/**
 * Recording the screen as a video: the browser's picker (getDisplayMedia; in the desktop app the main process
 * answers it, main/electron/capture.ts) chooses what to record, a MediaRecorder writes WebM until Stop, the
 * time limit or the end of sharing, and every track is then stopped so the capture indicator goes away. The
 * WebM becomes a video attachment like a dropped clip; it never leaves the machine.
 */
import { CaptureError, captureErrorOf } from './capture.ts';

/** Long enough to show a bug happening; a video's frames are sampled at a frame or two a second anyway. */
export const RECORD_LIMIT_SECONDS = 30;

export const RECORD_DENIED =
  'Screen capture was cancelled or not allowed. Nothing was recorded; choose a screen or window and allow ' +
  'sharing to record it.';

/** The clip asked about to learn whether the active model takes video (videos.plan, as a dropped clip is). */
export const VIDEO_PROBE = { width: 640, height: 360, durationSeconds: 1 } as const;

/** WebM kinds in order of preference; VP8 is the one every Chromium decodes back cheaply. */
const WEBM_TYPES = ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm'];

/** How often the recorder hands over what it has (so a stop loses at most this much). */
const CHUNK_MS = 1000;

/** "Screen recording 2026-12-07 05-04-55.webm", from the local time (no ':' so every OS accepts the name). */
export function recordingName(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  return `Screen recording ${day} ${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}.webm`;
}

export interface ScreenRecording {
  /** The WebM once the recording has stopped (Stop, the limit, or sharing ended from the browser's bar). */
  done: Promise<File>;
  stop(): void;
}

export interface RecordDeps {
  media?: Pick<MediaDevices, 'getDisplayMedia'>;
  Recorder?: typeof MediaRecorder;
  now?: () => Date;
  limitSeconds?: number;
}

/** Asks for a screen, window or tab and starts recording it; rejects with a CaptureError that says why not. */
export async function startScreenRecording(deps: RecordDeps = {}): Promise<ScreenRecording> {
  const media = deps.media ?? globalThis.navigator?.mediaDevices;
  const Recorder = deps.Recorder ?? globalThis.MediaRecorder;
  const now = deps.now ?? (() => new Date());
  if (!media?.getDisplayMedia)
    throw new CaptureError('unavailable', 'This browser cannot record the screen (no getDisplayMedia).');
  const mimeType = Recorder && WEBM_TYPES.find((type) => Recorder.isTypeSupported(type));
  if (!Recorder || !mimeType)
    throw new CaptureError('unavailable', 'This browser cannot record video as WebM (no MediaRecorder).');
  let stream: MediaStream;
  try {
    stream = await media.getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    const reason = captureErrorOf(error);
    throw reason.reason === 'denied' ? new CaptureError('denied', RECORD_DENIED) : reason;
  }
  const name = recordingName(now());
  const release = () => stream.getTracks().forEach((track) => track.stop());
  let recorder: MediaRecorder;
  try {
    recorder = new Recorder(stream, { mimeType });
  } catch (error) {
    release();
    throw new CaptureError('failed', `The screen could not be recorded: ${String(error)}`);
  }
  const chunks: Blob[] = [];
  recorder.ondataavailable = (event) => {
    if (event.data.size > 0) chunks.push(event.data);
  };
  const stop = () => {
    if (recorder.state !== 'inactive') recorder.stop();
  };
  const done = new Promise<File>((resolve, reject) => {
    const limit = setTimeout(stop, (deps.limitSeconds ?? RECORD_LIMIT_SECONDS) * 1000);
    recorder.onstop = () => {
      clearTimeout(limit);
      release();
      const blob = new Blob(chunks, { type: 'video/webm' });
      if (blob.size === 0) {
        reject(new CaptureError('failed', 'The recording held no picture. Record for at least a moment.'));
      } else resolve(new File([blob], name, { type: 'video/webm' }));
    };
    recorder.onerror = () => {
      clearTimeout(limit);
      release();
      reject(new CaptureError('failed', 'The screen recording failed; nothing was attached.'));
    };
  });
  // Sharing stopped from the browser's own bar ends the recording as Stop does.
  stream.getVideoTracks().forEach((track) => track.addEventListener('ended', stop));
  recorder.start(CHUNK_MS);
  return { done, stop };
}
