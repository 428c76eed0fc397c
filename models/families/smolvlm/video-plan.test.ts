/**
 * SmolVLM2 video plans against numbers worked by hand from transformers' video_processing_smolvlm.py
 * (`sample_frames`: `int(round(fps × duration))`, the skip rule, `np.linspace(start, end, n, dtype=int)` then
 * `np.unique`; `get_resize_output_image_size`) and processing_smolvlm.py (`process_video`: the intro with
 * `num2words(frames)` and `str(timedelta(seconds=int(duration)))`, `\nFrame from {mm:ss}:` before each single
 * global view, `\n\n` after).
 */
import { describe, expect, it } from 'vitest';
import type { VideoSource } from '../../../app/video-plan.ts';
import { type SmolVlmVideoSettings, readSmolVlmConfig, readSmolVlmVideoSettings } from './config.ts';
import { smolvlm } from './geometry.ts';
import { idefics3, smolvlm256m } from './testing.ts';
import {
  durationText,
  expandVideoPrompt,
  frameTimestamp,
  numberWords,
  planSmolVlmVideo,
  smolVlmSampledFrames,
  smolVlmVideoScaled,
  templateTextPieces,
} from './video-plan.ts';

const cfg = readSmolVlmConfig(smolvlm256m()); // tile 512, image_seq_len 64
const settings: SmolVlmVideoSettings = { fps: 1, maxFrames: 64, videoLongestEdge: 512 };
const clip = (totalFrames: number, frameRate: number, width = 1280, height = 720): VideoSource => ({
  size: { width, height },
  totalFrames,
  frameRate,
});
const indices = (source: VideoSource, fps: number, maxFrames: number) =>
  smolVlmSampledFrames(source, fps, maxFrames).map((f) => f.index);

describe('SmolVLM2 frame sampling', () => {
  it('takes round(fps × duration) frames spread from the first to the last', () => {
    // 300 frames at 30 fps = 10 s → 10 frames; step 299/9 = 33.22…, truncated.
    expect(indices(clip(300, 30), 1, 64)).toEqual([0, 33, 66, 99, 132, 166, 199, 232, 265, 299]);
  });

  it('skips a second at each end of a clip longer than 2 s + max_frames / fps, and caps at max_frames', () => {
    // 2500 frames at 25 fps = 100 s; 100 − 2 > 64 × 1, so start = 25, end = 2475; step 2450/63 = 38.88…
    const picked = indices(clip(2500, 25), 1, 64);
    expect(picked).toHaveLength(64);
    expect(picked.slice(0, 3)).toEqual([25, 63, 102]);
    expect(picked[32]).toBe(1269); // 32 × 38.88… + 25 = 1269.44
    expect(picked[63]).toBe(2475);
  });

  it('does not skip when the clip is only just long enough to sample fully', () => {
    // 66 s at 1 fps: 66 − 2 = 64 is not > 64 × 1, so the whole clip is used: 64 frames over 0…65.
    const picked = indices(clip(66, 1), 1, 64);
    expect(picked[0]).toBe(0);
    expect(picked[63]).toBe(65);
  });

  it('drops duplicate indices, so a short clip at a high rate gives fewer frames', () => {
    // 3 frames at 1 fps, fps 2: 6 wanted; linspace(0, 2, 6) = 0, .4, .8, 1.2, 1.6, 2 → 0 0 0 1 1 2 → 0 1 2.
    expect(indices(clip(3, 1), 2, 64)).toEqual([0, 1, 2]);
  });

  it("rounds fps × duration as Python's round does (half to even), and never below one frame", () => {
    // 75 frames at 30 fps = 2.5 s → round(2.5) = 2.
    expect(indices(clip(75, 30), 1, 64)).toEqual([0, 74]);
    // 0.1 s at 1 fps → round(0.1) = 0 → 1 frame, the first.
    expect(indices(clip(3, 30), 1, 64)).toEqual([0]);
  });
});

describe('SmolVLM2 frame text', () => {
  it('writes timestamps as mm:ss from int(s // 60) and int(s % 60)', () => {
    expect(frameTimestamp(0)).toBe('00:00');
    expect(frameTimestamp(9.9667)).toBe('00:09');
    expect(frameTimestamp(99)).toBe('01:39');
    expect(frameTimestamp(3725)).toBe('62:05');
  });

  it("writes the duration as Python's str(timedelta)", () => {
    expect(durationText(10)).toBe('0:00:10');
    expect(durationText(2.5)).toBe('0:00:02');
    expect(durationText(3725)).toBe('1:02:05');
    expect(durationText(90061)).toBe('1 day, 1:01:01');
    expect(durationText(2 * 86400)).toBe('2 days, 0:00:00');
  });

  it("writes the frame count as num2words' English cardinal", () => {
    expect([0, 7, 13, 20, 21, 64, 100, 105, 999].map(numberWords)).toEqual([
      'zero',
      'seven',
      'thirteen',
      'twenty',
      'twenty-one',
      'sixty-four',
      'one hundred',
      'one hundred and five',
      'nine hundred and ninety-nine',
    ]);
    expect(() => numberWords(1000)).toThrow(/up to 999/);
  });
});

describe("SmolVLM2's template text in tokens", () => {
  it('cuts digits apart, then words with their leading space, punctuation and newlines', () => {
    expect(templateTextPieces('\nFrame from 01:25:')).toEqual([
      '\n',
      'Frame',
      ' from',
      ' ',
      '0',
      '1',
      ':',
      '2',
      '5',
      ':',
    ]);
    expect(templateTextPieces('a 0:00:10 [H:MM:SS] video.\n')).toEqual([
      'a',
      ' ',
      '0',
      ':',
      '0',
      '0',
      ':',
      '1',
      '0',
      ' [',
      'H',
      ':',
      'MM',
      ':',
      'SS',
      ']',
      ' video',
      '.',
      '\n',
    ]);
    // A newline run before a word leaves its last newline apart, as GPT-2's split does.
    expect(templateTextPieces('\n\nWhat')).toEqual(['\n', '\n', 'What']);
  });
});

describe('SmolVLM2 video plan', () => {
  it('plans a 10 s 1280×720 clip as ten 512×512 global views of 64 tokens', () => {
    const plan = planSmolVlmVideo(cfg, settings, clip(300, 30), {});
    expect(plan.family).toBe('smolvlm');
    expect(plan.scaled).toEqual({ width: 512, height: 288 }); // int(512 / (1280/720)) = 288
    expect(plan.resized).toEqual({ width: 512, height: 512 });
    expect(plan.frames).toHaveLength(10);
    expect(plan.temporalPatchSize).toBe(1);
    expect(plan.grid).toEqual({ temporal: 10, rows: 1, cols: 1 });
    expect(plan.tokensPerTemporalPatch).toBe(64);
    expect(plan.videoTokens).toBe(640);
    // + fake, global, fake per frame; 29 intro pieces, 10 per "\nFrame from 00:0N:", 2 for the "\n\n".
    expect(plan.promptTokens).toBe(670 + 29 + 10 * 10 + 2);
    expect(plan.frameCosts?.[1]).toEqual({ label: 'Frame from 00:01:', tokens: 64 + 3 + 10 });
    expect(plan.sampleFps).toBe(1);
    expect(plan.intro).toBe(
      'You are provided the following series of ten frames from a 0:00:10 [H:MM:SS] video.\n',
    );
    // Frames 0, 33, 66, … 299 at 30 fps: 0, 1.1, 2.2, 3.3, 4.4, 5.53, 6.63, 7.73, 8.83, 9.97 s.
    expect(plan.timestamps).toEqual([
      '00:00',
      '00:01',
      '00:02',
      '00:03',
      '00:04',
      '00:05',
      '00:06',
      '00:07',
      '00:08',
      '00:09',
    ]);
  });

  it("takes the user's fps and frame cap over the processor's", () => {
    // 100 s at 25 fps, fps 0.5, at most 8: round(50) = 50 → 8; 98 > 8 × 0.5, so 25…2475, step 350.
    const plan = planSmolVlmVideo(cfg, settings, clip(2500, 25), { fps: 0.5, maxFrames: 8 });
    expect(plan.frames.map((f) => f.index)).toEqual([25, 375, 725, 1075, 1425, 1775, 2125, 2475]);
    expect(plan.timestamps).toEqual(['00:01', '00:15', '00:29', '00:43', '00:57', '01:11', '01:25', '01:39']);
    expect(plan.intro).toContain('series of eight frames from a 0:01:40 [H:MM:SS] video');
  });

  it('scales the first resize by the longest edge, making an odd short side even', () => {
    expect(smolVlmVideoScaled({ width: 720, height: 1280 }, 512)).toEqual({ width: 288, height: 512 });
    // 512 / (640/479) = 383.2 → 383, odd → 384.
    expect(smolVlmVideoScaled({ width: 640, height: 479 }, 512)).toEqual({ width: 512, height: 384 });
    expect(smolVlmVideoScaled({ width: 8000, height: 10 }, 9000)).toEqual({ width: 4096, height: 6 });
  });

  it('expands a <video> into the intro, a timestamped global view per frame, and a blank line', () => {
    const plan = planSmolVlmVideo(cfg, settings, clip(75, 30), {});
    const view = '<fake_token_around_image><global-img><image><image><fake_token_around_image>';
    expect(expandVideoPrompt(plan, 2)).toBe(
      'You are provided the following series of two frames from a 0:00:02 [H:MM:SS] video.\n' +
        `\nFrame from 00:00:${view}\nFrame from 00:02:${view}\n\n`,
    );
  });

  it('refuses a bad clip or bad sampling with a clear error', () => {
    expect(() => planSmolVlmVideo(cfg, settings, clip(0, 30), {})).toThrow(
      /whole positive size, frame count/,
    );
    expect(() => planSmolVlmVideo(cfg, settings, clip(30, 0), {})).toThrow(/frame rate above 0/);
    expect(() => planSmolVlmVideo(cfg, settings, clip(30, 30), { fps: 0 })).toThrow(/rate above 0/);
    expect(() => planSmolVlmVideo(cfg, settings, clip(30, 30), { maxFrames: 1000 })).toThrow(
      /1 to 999 frames/,
    );
  });
});

describe('SmolVLM2 video_sampling', () => {
  const withSampling = (videoSampling: unknown) =>
    smolvlm256m({ config: { model_type: 'smolvlm' }, preprocessor: { video_sampling: videoSampling } });

  it('reads fps, max_frames and video_size.longest_edge', () => {
    expect(
      readSmolVlmVideoSettings(withSampling({ fps: 1, max_frames: 64, video_size: { longest_edge: 512 } })),
    ).toEqual({ fps: 1, maxFrames: 64, videoLongestEdge: 512 });
  });

  it('gives no video settings for SmolVLM without the block, or for Idefics3', () => {
    expect(readSmolVlmVideoSettings(smolvlm256m({ config: { model_type: 'smolvlm' } }))).toBeNull();
    expect(readSmolVlmVideoSettings(idefics3({ video_sampling: { fps: 1 } }))).toBeNull();
    expect(
      readSmolVlmVideoSettings(smolvlm256m({ preprocessor: { video_sampling: { fps: 1 } } })), // idefics3 type
    ).toBeNull();
  });

  it("gives the family geometry a video plan (the app's card plans with it) only with the block", () => {
    const model = withSampling({ fps: 1, max_frames: 64, video_size: { longest_edge: 512 } });
    const plan = smolvlm
      .bind(model)
      .planVideo?.({ size: { width: 1280, height: 720 }, totalFrames: 300, frameRate: 30 }, {});
    expect(plan?.frames).toHaveLength(10);
    expect(smolvlm.bind(smolvlm256m({ config: { model_type: 'smolvlm' } })).planVideo).toBeUndefined();
  });

  it('names the key that is wrong', () => {
    expect(() =>
      readSmolVlmVideoSettings(withSampling({ max_frames: 64, video_size: { longest_edge: 512 } })),
    ).toThrow(/video_sampling\.fps/);
    expect(() =>
      readSmolVlmVideoSettings(withSampling({ fps: 1, max_frames: 0, video_size: { longest_edge: 512 } })),
    ).toThrow(/video_sampling\.max_frames/);
  });
});
