/**
 * videos.plan: the card's plan for a clip the renderer measured is the active model's own video plan (the
 * engine plans the same facts again when the frames arrive); a model without video is refused by name, and
 * nonsense facts are refused by the contract. Then a video in a message, as the app sends it: the frames the
 * renderer decoded are attached as PNG images, and the video part names them with the clip's facts.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NOMINAL_VIDEO_FRAME_RATE, type VideoPlanResult, type VideoRef } from '../../app/ipc/contract.ts';
import { bindFolder } from '../../models/families/plan-folder.ts';
import { qwenTestModel } from '../../models/families/qwen2-vl/testing.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { modelId } from './models.ts';
import { startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';

let h: Harness;
let qwen: string;
let smol: string;

beforeAll(async () => {
  qwen = await qwenTestModel('qwen2-vl');
  smol = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  h = startHarness({ modelDirs: [qwen, smol] });
  await h.call('settings.update', { activeModelId: modelId(qwen) });
});
afterAll(() => h.close());

describe('videos.plan', () => {
  it("gives the active Qwen2-VL model's plan for a 2 s clip at the defaults: 4 frames, 2 temporal patches", async () => {
    const result = await h.call('videos.plan', { width: 320, height: 240, durationSeconds: 2 });
    expect(result.source).toEqual({
      size: { width: 320, height: 240 },
      totalFrames: 2 * NOMINAL_VIDEO_FRAME_RATE,
      frameRate: NOMINAL_VIDEO_FRAME_RATE,
    });
    expect(result.sampling).toEqual({});
    const planVideo = bindFolder(qwen).planVideo;
    expect(planVideo).toBeDefined();
    expect(result.plan).toEqual(planVideo?.(result.source, {}));
    expect(result.plan.frames).toHaveLength(4);
    expect(result.plan.grid.temporal).toBe(2);
    expect(result.plan.videoTokens).toBe(2 * result.plan.tokensPerTemporalPatch);
  });

  it("follows the user's sampling rate and frame limit", async () => {
    const dense = await h.call('videos.plan', { width: 320, height: 240, durationSeconds: 4, fps: 4 });
    expect(dense.plan.frames).toHaveLength(16);
    const capped = await h.call('videos.plan', {
      width: 320,
      height: 240,
      durationSeconds: 4,
      fps: 4,
      maxFrames: 6,
    });
    expect(capped.sampling).toEqual({ fps: 4, maxFrames: 6 });
    expect(capped.plan.frames).toHaveLength(6);
    expect(capped.plan.promptTokens).toBeLessThan(dense.plan.promptTokens);
  });

  it('refuses a model without video by name, and nonsense facts', async () => {
    await h.call('settings.update', { activeModelId: modelId(smol) });
    try {
      const refused = await h.fail('videos.plan', { width: 320, height: 240, durationSeconds: 2 });
      expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
      expect(refused.message).toMatch(/\(smolvlm\) does not take video\. Choose a Qwen2-VL/);
    } finally {
      await h.call('settings.update', { activeModelId: modelId(qwen) });
    }
    for (const input of [
      { width: 0, height: 240, durationSeconds: 2 },
      { width: 320, height: 240, durationSeconds: -1 },
      { width: 320, height: 240, durationSeconds: 2, maxFrames: 100_000 },
    ]) {
      expect(await h.fail('videos.plan', input), JSON.stringify(input)).toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
  });
});

/** The planned frames as the renderer's canvas makes them: PNGs at the plan's size, attached as images. */
async function attachFrames(result: VideoPlanResult, name: string): Promise<VideoRef> {
  const { width, height } = result.plan.resized;
  const frames = [];
  for (const [i, frame] of result.plan.frames.entries()) {
    const data = new Uint8Array(
      await sharp({
        create: { width, height, channels: 4, background: { r: 40 * i, g: 90, b: 200 - 30 * i, alpha: 1 } },
      })
        .png()
        .toBuffer(),
    );
    const attached = await h.call('images.attach', { name: `${name} ${i + 1}.png`, data, videoFrame: true });
    frames.push({ sha256: attached.image.sha256, seconds: frame.seconds });
  }
  return {
    name,
    source: result.source,
    sampling: result.sampling,
    start: 0,
    durationSeconds: result.plan.durationSeconds,
    frames,
  };
}

describe('a video in a message', () => {
  it('is answered, counted as the engine counts it, kept in history and exported as its frames', async () => {
    await h.next('engine.status', (s) => s.state === 'ready');
    const result = await h.call('videos.plan', { width: 96, height: 64, durationSeconds: 2 });
    const video = await attachFrames(result, 'bug.webm');
    const thread = await h.call('threads.create', {});
    const content = [
      { type: 'video', video },
      { type: 'text', text: 'What happens in this clip?' },
    ];
    const estimate = await h.call('chat.estimate', { threadId: thread.id, parentId: null, content });
    expect(estimate.exact).toBe(true);
    expect(estimate.promptTokens).toBeGreaterThan(result.plan.promptTokens);
    const sent = await h.call('chat.send', { threadId: thread.id, parentId: null, content });
    expect(sent.userMessage.parts[0]).toEqual({ type: 'video', video });
    const answer = await h.done(sent.assistantMessage.id);
    expect(answer.error).toBeNull();
    expect(answer.status).toBe('complete');
    expect(answer.stats?.promptTokens).toBe(estimate.promptTokens);

    const markdown = await h.call('threads.export', { id: thread.id, format: 'markdown' });
    expect(markdown.content).toContain('*(Video bug.webm: 2.0 s from 0.0 s, 4 frames sampled)*');
    expect(markdown.content.match(/!\[bug\.webm at [\d.]+ s\]\(data:image\/png;base64,/g)).toHaveLength(4);
    const json = JSON.parse((await h.call('threads.export', { id: thread.id, format: 'json' })).content) as {
      images: Record<string, unknown>;
    };
    for (const frame of video.frames) expect(json.images[frame.sha256]).toMatchObject({ mime: 'image/png' });
  });

  it('stores a frame without encoding it ahead as an image (the engine encodes it with its video)', async () => {
    await h.next('engine.status', (s) => s.state === 'ready');
    const data = new Uint8Array(
      await sharp({ create: { width: 56, height: 56, channels: 3, background: '#345' } })
        .png()
        .toBuffer(),
    );
    const engineCalls = vi.spyOn(h.engine, 'withEngine');
    try {
      await h.call('images.attach', { name: 'frame.png', data, videoFrame: true });
      expect(engineCalls).not.toHaveBeenCalled();
      await h.call('images.attach', { name: 'shot.png', data });
      expect(engineCalls).toHaveBeenCalledTimes(1);
    } finally {
      engineCalls.mockRestore();
    }
  });

  it('refuses frames that were never attached, and frames the plan does not give', async () => {
    const result = await h.call('videos.plan', { width: 96, height: 64, durationSeconds: 2 });
    const video = await attachFrames(result, 'short.webm');
    const thread = await h.call('threads.create', {});
    const missing = { ...video, frames: [{ sha256: '0'.repeat(64), seconds: 0 }] };
    expect(
      await h.fail('chat.send', {
        threadId: thread.id,
        parentId: null,
        content: [{ type: 'video', video: missing }],
      }),
    ).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/Frame 1 of the video short\.webm/),
    });
    // Three frames where the plan samples four: the engine says so on the answer.
    const short = { ...video, frames: video.frames.slice(0, 3) };
    const sent = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: [{ type: 'video', video: short }],
    });
    const answer = await h.done(sent.assistantMessage.id);
    expect(answer.status).toBe('failed');
    expect(answer.error?.message).toMatch(/holds 3 frames but the model's plan samples 4/);
  });
});
