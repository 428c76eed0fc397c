/**
 * Videos in the composer: a dropped, pasted or picked clip is opened by the renderer's media stack, planned
 * by the services for the active model (videos.plan), and the planned frames are decoded and stored as PNG
 * images (images.attach); the card then shows them. Changing the sampling rate, the frame limit or the trim
 * plans and decodes again (the previous run is cancelled). The question sends a video part naming the frames.
 * A thread's draft keeps a ready card (its video part); restored, the card shows the stored frames and is
 * planned again for the active model, but without the file its sampling and trim cannot change.
 */
import type { DraftVideo, VideoPlanResult, VideoRef } from '../../../app/ipc/contract.ts';
import type { Size } from '../../../app/tile-plan.ts';
import { readBytes } from '../../lib/attachments.ts';
import { describeError } from '../../lib/errors.ts';
import { type OpenedVideo, decodeFrames, openVideo, seekTimes } from '../../lib/video-frames.ts';
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
  /** Restored from the thread's draft: no file behind it; its frame URLs belong to the image cache. */
  fromDraft: boolean;
  /** A restored card's video as the draft holds it (kept while the card is, even if it cannot be sent now). */
  saved: DraftVideo | null;
}

export interface VideosSlice {
  videos: VideoAttachment[];
  addVideo(file: File): void;
  setVideoOptions(key: string, options: Partial<VideoOptions>): void;
  removeVideo(key: string): void;
  /** Replaces the cards with a draft's videos; a dropped one (frames gone) becomes a card saying so. */
  restoreVideos(videos: readonly DraftVideo[], dropped: readonly string[]): void;
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

/** A card as the draft keeps it (its video part and the clip's length): a restored one as saved, another once ready. */
export function draftVideoOf(video: VideoAttachment): DraftVideo | null {
  if (video.fromDraft) return video.saved;
  const ref = videoRefOf(video);
  return ref && video.clip ? { ...ref, clipSeconds: video.clip.durationSeconds } : null;
}

/** The draft's frames are the ones the plan samples (same times): the model reads them as it would. */
function sameFrames(video: DraftVideo, result: VideoPlanResult): boolean {
  const times = seekTimes(result, video.start, video.clipSeconds);
  return (
    times.length === video.frames.length &&
    times.every((t, i) => Math.abs(t - (video.frames[i]?.seconds ?? Number.NaN)) < 1e-6)
  );
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
    // A restored card's URLs are the image cache's, not this card's to revoke.
    const releaseFrames = (video: VideoAttachment | undefined) => {
      if (video && !video.fromDraft) video.frames.forEach((f) => images.release(f.url));
    };

    /** Plans a restored card for the active model and loads its stored frames. */
    async function restore(key: string, saved: DraftVideo): Promise<void> {
      const [planned, urls] = await Promise.all([
        api['videos.plan']({
          width: saved.source.size.width,
          height: saved.source.size.height,
          durationSeconds: saved.durationSeconds,
          ...saved.sampling,
        }),
        Promise.all(saved.frames.map((f) => images.load(f.sha256, 'image/png'))),
      ]);
      if (!find(key)) return;
      if (!planned.ok) return fail(key, describeError(planned.error));
      if (!sameFrames(saved, planned.value))
        return fail(key, `The active model samples ${saved.name} differently; attach the file again.`);
      if (urls.some((url) => url === null))
        return fail(key, `The frames of ${saved.name} could not be read; attach the file again.`);
      const frames = saved.frames.map((f, i) => ({ ...f, url: urls[i] ?? '' }));
      update(key, { status: 'ready', result: planned.value, frames });
    }

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
      releaseFrames(find(key));
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
          fromDraft: false,
          saved: null,
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
        // A restored card has no file to read other frames from.
        if (!video?.clip || !opened.has(key)) return;
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
        releaseFrames(find(key));
        set((state) => ({ videos: state.videos.filter((v) => v.key !== key) }));
      },

      restoreVideos(saved, dropped) {
        get().videos.forEach((video) => get().removeVideo(video.key));
        const card = (name: string): VideoAttachment => ({
          key: `video-${nextKey++}`,
          name,
          status: 'planning',
          error: null,
          clip: null,
          result: null,
          frames: [],
          fromDraft: true,
          saved: null,
          fps: null,
          maxFrames: null,
          start: 0,
          end: 0,
        });
        const restored = saved.map((video) => ({
          ...card(video.name),
          saved: video,
          clip: { size: video.source.size, durationSeconds: video.clipSeconds },
          fps: video.sampling.fps ?? null,
          maxFrames: video.sampling.maxFrames ?? null,
          start: video.start,
          end: video.start + video.durationSeconds,
        }));
        const gone = dropped.map((name) => ({
          ...card(name),
          status: 'error' as const,
          error: `The frames of ${name} are no longer stored, so the draft lost this video; attach it again.`,
        }));
        set({ videos: [...restored, ...gone] });
        restored.forEach((video, i) => {
          const draft = saved[i];
          if (draft) void restore(video.key, draft);
        });
      },
    };
  };
};
