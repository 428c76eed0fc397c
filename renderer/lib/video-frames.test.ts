// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VideoPlanResult } from '../../app/ipc/contract.ts';
import {
  VIDEO_LIMITS,
  isVideoFile,
  mediaErrorMessage,
  openVideo,
  rgbFromRgba,
  seekTimes,
  videoLimitProblem,
} from './video-frames.ts';

describe('which files are videos', () => {
  it('goes by the type, and by the name only when there is no type', () => {
    expect(isVideoFile({ type: 'video/webm', name: 'x' })).toBe(true);
    expect(isVideoFile({ type: '', name: 'Screen Recording.MOV' })).toBe(true);
    expect(isVideoFile({ type: 'image/png', name: 'clip.mp4.png' })).toBe(false);
    expect(isVideoFile({ type: '', name: 'notes.txt' })).toBe(false);
  });
});

describe('limits', () => {
  const ok = { bytes: 1000, size: { width: 1920, height: 1080 }, durationSeconds: 12 };

  it('takes an ordinary screen recording', () => {
    expect(videoLimitProblem('a.webm', ok)).toBeNull();
  });

  it('refuses a video bomb, an endless clip, a clip without picture or duration, each by name', () => {
    expect(videoLimitProblem('a.webm', { ...ok, size: { width: 20000, height: 20000 } })).toMatch(
      /^a\.webm is 20000×20000; videos of at most 33\.1776 megapixels/,
    );
    expect(videoLimitProblem('a.webm', { ...ok, durationSeconds: 86_400 })).toMatch(
      /1440 minutes long; trim it/,
    );
    expect(videoLimitProblem('a.webm', { ...ok, size: { width: 0, height: 0 } })).toMatch(/no picture/);
    expect(videoLimitProblem('a.webm', { ...ok, durationSeconds: NaN })).toMatch(/reports no duration/);
    expect(videoLimitProblem('a.webm', { ...ok, bytes: VIDEO_LIMITS.bytes + 1 })).toMatch(/at most 2 GiB/);
  });

  it('says why the browser cannot play a file', () => {
    expect(mediaErrorMessage('a.mkv', 4)).toMatch(/a\.mkv cannot be played here: its format or codec/);
    expect(mediaErrorMessage('a.mp4', 3)).toMatch(/damaged or truncated/);
  });
});

describe('frames', () => {
  const result = {
    source: { size: { width: 320, height: 240 }, totalFrames: 60, frameRate: 30 },
    sampling: {},
    plan: { frames: [0, 20, 39, 59].map((index) => ({ index, seconds: index / 30 })) },
  } as unknown as VideoPlanResult;

  it('seeks to each sampled frame after the trim start, inside the clip', () => {
    expect(seekTimes(result, 0, 2)).toEqual([0, 20 / 30, 39 / 30, 59 / 30]);
    // Trimmed from 1 s in a 3 s file: the times move by the start; none passes the end.
    expect(seekTimes(result, 1, 2.9)).toEqual([1, 1 + 20 / 30, 1 + 39 / 30, 2.9 - 1 / 60]);
  });

  it('drops the alpha byte', () => {
    expect(Array.from(rgbFromRgba(new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 0])))).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });
});

describe('opening a file', () => {
  let element: HTMLVideoElement;
  let facts: { videoWidth: number; videoHeight: number; duration: number; error: { code: number } | null };
  const revoked: string[] = [];

  beforeEach(() => {
    facts = { videoWidth: 320, videoHeight: 240, duration: 2, error: null };
    const create = document.createElement.bind(document);
    vi.spyOn(document, 'createElement').mockImplementation((tag: string) => {
      const made = create(tag);
      if (tag !== 'video') return made;
      element = made as HTMLVideoElement;
      for (const key of Object.keys(facts) as Array<keyof typeof facts>) {
        Object.defineProperty(element, key, { get: () => facts[key] });
      }
      element.load = () => undefined;
      return element;
    });
    URL.createObjectURL = () => 'blob:clip';
    URL.revokeObjectURL = (url: string) => void revoked.push(url);
    revoked.length = 0;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  const file = new File([new Uint8Array(10)], 'clip.webm', { type: 'video/webm' });

  it('reads the size and duration', async () => {
    const opened = openVideo(file);
    element.dispatchEvent(new Event('loadedmetadata'));
    await expect(opened).resolves.toMatchObject({ size: { width: 320, height: 240 }, durationSeconds: 2 });
    expect(element.src).toBe('blob:clip');
  });

  it("finds a recorder's WebM duration by seeking past the end", async () => {
    facts.duration = Infinity;
    const opened = openVideo(file);
    element.dispatchEvent(new Event('loadedmetadata'));
    await Promise.resolve();
    expect(element.currentTime).toBeGreaterThan(1e9);
    facts.duration = 3.5;
    element.dispatchEvent(new Event('durationchange'));
    await expect(opened).resolves.toMatchObject({ durationSeconds: 3.5 });
  });

  it('refuses a file the browser cannot decode, and lets go of it', async () => {
    const opened = openVideo(file);
    facts.error = { code: 4 };
    element.dispatchEvent(new Event('error'));
    await expect(opened).rejects.toThrow(/clip\.webm cannot be played here: its format or codec/);
    expect(revoked).toEqual(['blob:clip']);
  });

  it('gives up on a file that never opens instead of waiting forever', async () => {
    vi.useFakeTimers();
    const opened = openVideo(file);
    const failed = expect(opened).rejects.toThrow(/did not open within 10 s/);
    await vi.advanceTimersByTimeAsync(VIDEO_LIMITS.metadataMs);
    await failed;
    expect(revoked).toEqual(['blob:clip']);
  });

  it('refuses a video bomb once its header is read', async () => {
    facts.videoWidth = 30000;
    facts.videoHeight = 30000;
    const opened = openVideo(file);
    element.dispatchEvent(new Event('loadedmetadata'));
    await expect(opened).rejects.toThrow(/30000×30000/);
    expect(revoked).toEqual(['blob:clip']);
  });
});
