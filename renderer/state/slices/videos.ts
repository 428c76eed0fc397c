/**
 * Videos in the composer: a dropped, pasted or picked clip is opened by the renderer's media stack, planned
 * by the services for the active model (videos.plan), and the planned frames are decoded and stored as PNG
 * images (images.attach); the card then shows them. Changing the sampling rate, the frame limit or the trim
 * plans and decodes again (the previous run is cancelled). The question sends a video part naming the frames.
 */
import type { VideoPlanResult, VideoRef } from '../../../app/ipc/contract.ts';
import type { Size } from '../../../app/tile-plan.ts';
import { readBytes } from '../../lib/attachments.ts';
import { describeError } from '../../lib/errors.ts';
import { type OpenedVideo, decodeFrames, openVideo } from '../../lib/video-frames.ts';
import type { SliceCreator } from '../store.ts';

export interface VideoFrameShown {
  sha256: string;
  /** Seconds into the file. */
  seconds: number;
  /** blob: URL of the frame's PNG, for the strip and the frame view. */
  url: string;
}

export interface VideoOptions {
  /** Frames sampled per second; null: the model's default. */
  fps: number | null;
  /** At most this many frames; null: the model's default. */
  maxFrames: number | null;
  /** Trim, in seconds of the file. */
  start: number;
  end: number;
}

export interface VideoAttachment extends VideoOptions {
  key: string;
  name: string;
  status: 'opening' | 'planning' | 'decoding' | 'ready' | 'error';
  error: string | null;
  /** What the browser read from the file; null until it is open. */
  clip: { size: Size; durationSeconds: number } | null;
  result: VideoPlanResult | null;
  frames: VideoFrameShown[];
}

export interface VideosSlice {
  videos: VideoAttachment[];
  addVideo(file: File): void;
  setVideoOptions(key: string, options: Partial<VideoOptions>): void;
  removeVideo(key: string): void;
}

/** A ready card as the request's video part. */
export function videoRefOf(video: VideoAttachment): VideoRef | null {
  if (video.status !== 'ready' || !video.result) return null;
  return {
    name: video.name,
    source: video.result.source,
    sampling: video.result.sampling,
    start: video.start,
    durationSeconds: video.end - video.start,
    frames: video.frames.map(({ sha256, seconds }) => ({ sha256, seconds })),
  };
}

export const isVideoBusy = (video: VideoAttachment) => video.status !== 'ready' && video.status !== 'error';

/** The shortest trim taken: a tenth of a second. */
export const MIN_TRIM_SECONDS = 0.1;

export const createVideosSlice: SliceCreator<VideosSlice> = ({ api, images }) => {
  let nextKey = 1;
  // Not state: the open element and the run in progress, per card.
  const opened = new Map<string, OpenedVideo>();
  const runs = new Map<string, AbortController>();
  return (set, get) => {
    const find = (key: string) => get().videos.find((v) => v.key === key);
    function update(key: string, change: Partial<VideoAttachment>): void {
      set((state) => ({ videos: state.videos.map((v) => (v.key === key ? { ...v, ...change } : v)) }));
    }
    const fail = (key: string, error: string) => update(key, { status: 'error', error });

    async function prepare(key: string): Promise<void> {
      runs.get(key)?.abort();
      const run = new AbortController();
      runs.set(key, run);
      const video = find(key);
      const element = opened.get(key);
      if (!video || !element) return;
      update(key, { status: 'planning', error: null });
      const planned = await api['videos.plan']({
        width: element.size.width,
        height: element.size.height,
        durationSeconds: video.end - video.start,
        ...(video.fps === null ? {} : { fps: video.fps }),
        ...(video.maxFrames === null ? {} : { maxFrames: video.maxFrames }),
      });
      if (run.signal.aborted || !find(key)) return;
      if (!planned.ok) return fail(key, describeError(planned.error));
      update(key, { status: 'decoding', result: planned.value });
      const frames: VideoFrameShown[] = [];
      try {
        const decoded = await decodeFrames(element, planned.value, video.start, video.name, run.signal);
        for (const [i, frame] of decoded.entries()) {
          const data = await readBytes(frame.png);
          const stored = await api['images.attach']({
            name: `${video.name} frame ${i + 1}.png`,
            data,
            videoFrame: true,
          });
          if (run.signal.aborted) return;
          if (!stored.ok) return fail(key, describeError(stored.error));
          frames.push({
            sha256: stored.value.image.sha256,
            seconds: frame.seconds,
            url: images.fromFile(frame.png),
          });
        }
      } catch (error) {
        if (run.signal.aborted) return;
        return fail(key, error instanceof Error ? error.message : String(error));
      }
      if (run.signal.aborted || !find(key)) {
        frames.forEach((f) => images.release(f.url));
        return;
      }
      find(key)?.frames.forEach((f) => images.release(f.url));
      update(key, { status: 'ready', frames });
    }

    return {
      videos: [],

      addVideo(file) {
        const key = `video-${nextKey++}`;
        const video: VideoAttachment = {
          key,
          name: file.name || 'video',
          status: 'opening',
          error: null,
          clip: null,
          result: null,
          frames: [],
          fps: null,
          maxFrames: null,
          start: 0,
          end: 0,
        };
        set((state) => ({ videos: [...state.videos, video] }));
        void openVideo(file).then(
          (element) => {
            if (!find(key)) return element.close();
            opened.set(key, element);
            const clip = { size: element.size, durationSeconds: element.durationSeconds };
            update(key, { clip, end: element.durationSeconds });
            void prepare(key);
          },
          (error: unknown) => fail(key, error instanceof Error ? error.message : String(error)),
        );
      },

      setVideoOptions(key, options) {
        const video = find(key);
        if (!video?.clip) return;
        const duration = video.clip.durationSeconds;
        const next = { ...video, ...options };
        // The trim stays inside the clip and at least MIN_TRIM_SECONDS long.
        const start = Math.min(Math.max(0, next.start), Math.max(0, duration - MIN_TRIM_SECONDS));
        const end = Math.min(duration, Math.max(next.end, start + MIN_TRIM_SECONDS));
        update(key, { fps: next.fps, maxFrames: next.maxFrames, start, end });
        void prepare(key);
      },

      removeVideo(key) {
        runs.get(key)?.abort();
        runs.delete(key);
        opened.get(key)?.close();
        opened.delete(key);
        find(key)?.frames.forEach((f) => images.release(f.url));
        set((state) => ({ videos: state.videos.filter((v) => v.key !== key) }));
      },
    };
  };
};
