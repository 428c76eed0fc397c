/**
 * videos.plan: the card's plan for a clip the renderer measured is the active model's own video plan (the
 * engine plans the same facts again when the frames arrive); a model without video is refused by name, and
 * nonsense facts are refused by the contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOMINAL_VIDEO_FRAME_RATE } from '../../app/ipc/contract.ts';
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
