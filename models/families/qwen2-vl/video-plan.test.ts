/**
 * Reference numbers from qwen-vl-utils' formulas (qwen_vl_utils/vision_process.py, QwenLM/Qwen2.5-VL):
 *   smart_nframes:  n = round_by_factor(min(max(total / video_fps · fps, ceil_by_factor(min_frames, 2)),
 *                   floor_by_factor(max_frames ?? min(768, total), 2)), 2), error unless 2 ≤ n ≤ total
 *   frame indices:  torch.linspace(0, total − 1, n).round()
 *   fetch_video:    max_pixels = max(min(768·28·28, 24576·28·28 / n · 2), int(128·28·28 · 1.05)),
 *                   smart_resize(h, w, 28, 128·28·28, max_pixels)
 *   Qwen2VLImageProcessor: video_grid_thw = [n / 2, h / 14, w / 14]; tokens = t · gh · gw / 4
 *   sample fps = n / total · video_fps (qwen-vl-utils' return_video_sample_fps); Qwen2.5-VL's processor:
 *   second_per_grid_t = temporal_patch_size / sample fps.
 * Each case below is worked out by hand in its comment.
 */
import { describe, expect, it } from 'vitest';
import { readQwenConfig } from './config.ts';
import { qwen2Vl2b } from './testing.ts';
import { readQwenVideoConfig } from './video-config.ts';
import { planQwenVideo, sampledFrameCount, videoGridThw, videoMaxPixels } from './video-plan.ts';
import { VIDEO_PLACEHOLDER, expandVideoPrompt } from './video-prompt.ts';

const cfg = readQwenConfig(qwen2Vl2b());
const clip = (totalFrames: number, frameRate: number, width: number, height: number) => ({
  totalFrames,
  frameRate,
  size: { width, height },
});

describe('Qwen2-VL video plan (qwen-vl-utils arithmetic)', () => {
  it('10 s of 1280×720 at 30 fps: 20 frames, 1008×560, grid [10, 40, 72], 7200 tokens', () => {
    // n = 300/30·2 = 20. max_pixels = min(602112, 19267584/20·2) = 602112. 720×1280 rounds to 728×1288 =
    // 937664 > max: β = sqrt(921600/602112) = 1.23718; 720/β/28 = 20.79 → 560, 1280/β/28 = 36.96 → 1008.
    const plan = planQwenVideo(cfg, clip(300, 30, 1280, 720));
    expect(plan.frames.map((f) => f.index)).toEqual([
      0, 16, 31, 47, 63, 79, 94, 110, 126, 142, 157, 173, 189, 205, 220, 236, 252, 268, 283, 299,
    ]);
    expect(plan.resized).toEqual({ width: 1008, height: 560 });
    expect(videoGridThw(cfg, plan)).toEqual([10, 40, 72]);
    expect(plan.grid).toEqual({ temporal: 10, rows: 20, cols: 36 });
    expect(plan.tokensPerTemporalPatch).toBe(720);
    expect(plan.videoTokens).toBe(7200);
    expect(plan.promptTokens).toBe(7202);
    expect(plan.durationSeconds).toBe(10);
    expect(plan.sampleFps).toBe(2);
    expect(plan.secondsPerTemporalPatch).toBe(1);
    expect(plan.frames[1]).toEqual({ index: 16, seconds: 16 / 30 });
  });

  it('3 s of 640×480 at 25 fps: 6 frames, 644×476 (inside the budget), 1173 tokens', () => {
    // n = 75/25·2 = 6; 480/28 = 17.14 → 476, 640/28 = 22.86 → 644; 476·644 = 306544 within [100352, 602112].
    // indices linspace(0, 74, 6) = 0, 14.8, 29.6, 44.4, 59.2, 74.
    const plan = planQwenVideo(cfg, clip(75, 25, 640, 480));
    expect(plan.frames.map((f) => f.index)).toEqual([0, 15, 30, 44, 59, 74]);
    expect(plan.resized).toEqual({ width: 644, height: 476 });
    expect(videoGridThw(cfg, plan)).toEqual([3, 34, 46]);
    expect(plan.videoTokens).toBe(1173); // 3 · 34 · 46 / 4
    expect(plan.tokensPerTemporalPatch).toBe(391);
  });

  it('1 s of 320×240: min_frames lifts 2 frames to 4 and VIDEO_MIN_PIXELS enlarges the frames to 392×280', () => {
    // n = 30/30·2 = 2 → max(2, 4) = 4. 240×320 → 252×308 = 77616 < 100352: β = sqrt(100352/76800) = 1.14310;
    // 240·β/28 = 9.80 → 280, 320·β/28 = 13.06 → 392. sample fps = 4/30·30 = 4, second_per_grid_t = 0.5.
    const plan = planQwenVideo(cfg, clip(30, 30, 320, 240));
    expect(plan.frames.map((f) => f.index)).toEqual([0, 10, 19, 29]);
    expect(plan.resized).toEqual({ width: 392, height: 280 });
    expect(videoGridThw(cfg, plan)).toEqual([2, 20, 28]);
    expect(plan.videoTokens).toBe(280);
    expect(plan.sampleFps).toBe(4);
    expect(plan.secondsPerTemporalPatch).toBe(0.5);
  });

  it('20 min of 1080p: 768 frames (FPS_MAX_FRAMES) at the floor budget int(100352 · 1.05) = 105369 pixels', () => {
    // n = 36000/30·2 = 2400 → 768. 19267584/768·2 = 50176 < 105369, so max_pixels = 105369.
    // β = sqrt(2073600/105369) = 4.43615; 1080/β/28 = 8.70 → 224, 1920/β/28 = 15.46 → 420 (94080 pixels:
    // Python does not check the minimum again after shrinking). sample fps = 768/36000·30 = 0.64.
    expect(videoMaxPixels(768, 2)).toBe(105369);
    const plan = planQwenVideo(cfg, clip(36000, 30, 1920, 1080));
    expect(plan.frames).toHaveLength(768);
    expect(plan.frames.slice(0, 4).map((f) => f.index)).toEqual([0, 47, 94, 141]);
    expect(plan.frames.at(-1)).toEqual({ index: 35999, seconds: 35999 / 30 });
    expect(plan.resized).toEqual({ width: 420, height: 224 });
    expect(videoGridThw(cfg, plan)).toEqual([384, 16, 30]);
    expect(plan.videoTokens).toBe(46080);
    expect(plan.secondsPerTemporalPatch).toBeCloseTo(3.125, 12);
  });

  it('rounds the frame count as Python does, halves to even: 7 → 8 and 5 → 4 at fps 1', () => {
    // 168/24·1 = 7 → round(3.5)·2 = 8; 120/24·1 = 5 → round(2.5)·2 = 4 (JS Math.round would give 6).
    const seven = planQwenVideo(cfg, clip(168, 24, 1280, 720), { fps: 1 });
    expect(seven.frames.map((f) => f.index)).toEqual([0, 24, 48, 72, 95, 119, 143, 167]);
    expect(seven.videoTokens).toBe(2880); // 4 · 40 · 72 / 4
    expect(seven.secondsPerTemporalPatch).toBe(1.75); // 2 / (8/168·24)
    const five = planQwenVideo(cfg, clip(120, 24, 1280, 720), { fps: 1 });
    expect(five.frames.map((f) => f.index)).toEqual([0, 40, 79, 119]);
    expect(five.secondsPerTemporalPatch).toBe(2.5);
  });

  it('an NTSC rate: 300 frames at 29.97 fps sample 20 frames (20.02 rounds to 20)', () => {
    const plan = planQwenVideo(cfg, clip(300, 29.97, 1920, 1080));
    expect(plan.frames).toHaveLength(20);
    expect(plan.resized).toEqual({ width: 1008, height: 560 });
    expect(plan.sampleFps).toBeCloseTo(1.998, 12);
  });

  it('max_frames caps the count, rounded down to the temporal patch size', () => {
    // 300/30·2 = 20 → min(20, floor(9/2)·2 = 8) = 8; indices linspace(0, 299, 8).
    const plan = planQwenVideo(cfg, clip(300, 30, 1280, 720), { maxFrames: 9 });
    expect(plan.frames.map((f) => f.index)).toEqual([0, 43, 85, 128, 171, 214, 256, 299]);
    expect(plan.videoTokens).toBe(2880);
  });

  it('a 2-frame clip samples both frames; a 1-frame clip is refused with what to do', () => {
    // max_frames = floor(min(768, 2)/2)·2 = 2 → n = 2. With 1 frame max_frames = 0 → n = 0: Python raises.
    const two = planQwenVideo(cfg, clip(2, 30, 640, 480));
    expect(two.frames.map((f) => f.index)).toEqual([0, 1]);
    expect(videoGridThw(cfg, two)).toEqual([1, 34, 46]);
    expect(() => sampledFrameCount(clip(1, 30, 640, 480), {}, 2)).toThrow(/1 frame\(s\).*as an image/);
  });

  it('refuses nonsense clip facts and sampling settings by name', () => {
    expect(() => planQwenVideo(cfg, clip(0, 30, 640, 480))).toThrow(/frame count/);
    expect(() => planQwenVideo(cfg, clip(30, 0, 640, 480))).toThrow(/frame rate/);
    expect(() => planQwenVideo(cfg, clip(30, 30, 0, 480))).toThrow(/frame size/);
    expect(() => planQwenVideo(cfg, clip(30, 30, 640, 480), { fps: -1 })).toThrow(/sampling rate/);
    expect(() => planQwenVideo(cfg, clip(30, 30, 640, 480), { maxFrames: 2.5 })).toThrow(/maximum number/);
  });

  it('expands the template block to <|vision_start|> <|video_pad|>×tokens <|vision_end|>', () => {
    const plan = planQwenVideo(cfg, clip(30, 30, 320, 240));
    const block = expandVideoPrompt(plan);
    expect(VIDEO_PLACEHOLDER).toBe('<|vision_start|><|video_pad|><|vision_end|>');
    expect(block.startsWith('<|vision_start|><|video_pad|>')).toBe(true);
    expect(block.endsWith('<|video_pad|><|vision_end|>')).toBe(true);
    expect(block.split('<|video_pad|>').length - 1).toBe(280);
  });
});

describe('Qwen2-VL video config', () => {
  it('reads video_token_id; tokens_per_second only for Qwen2.5-VL (its class default 4 when absent)', () => {
    expect(readQwenVideoConfig(qwen2Vl2b())).toEqual({ videoTokenId: 151656, tokensPerSecond: null });
    const q25 = (vision: Record<string, unknown>) =>
      readQwenVideoConfig(qwen2Vl2b({ config: { model_type: 'qwen2_5_vl', vision_config: vision } }));
    expect(q25({ tokens_per_second: 2 }).tokensPerSecond).toBe(2);
    expect(q25({}).tokensPerSecond).toBe(4);
    expect(() => q25({ tokens_per_second: 0 })).toThrow(/tokens_per_second/);
  });

  it('names a missing video_token_id', () => {
    expect(() => readQwenVideoConfig(qwen2Vl2b({ config: { video_token_id: undefined } }))).toThrow(
      /video_token_id/,
    );
  });
});
