/**
 * `tessera ask` about a clip, as a user runs it: a real process, a clip made here with ffmpeg's testsrc2, the
 * generated Qwen2-VL model. The frames the CLI decodes are the ones the engine plans (it refuses others).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qwenTestModel } from '../../models/families/qwen2-vl/testing.ts';
import { smolvlm2TestModel } from '../../models/families/smolvlm/testing.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { readVideoPart } from './video.ts';

const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-ask-video-'));
const clip = join(scratch, 'screen.mp4');
const shot = join(scratch, 'shot.png');
let qwen: string;
let smolvlm2: string;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeAll(async () => {
  // 2 s at 10 fps, 96×64: the plan samples 4 frames (2 s · 2 fps) and enlarges them into the video budget.
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=10:duration=2'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip],
  ]);
  writeFileSync(shot, await noiseImage(84, 56, 4));
  qwen = await qwenTestModel('qwen2-vl');
  smolvlm2 = await smolvlm2TestModel();
});

function tessera(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd: scratch,
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tessera ask about a video', () => {
  it('builds the video part the plan asks for: 4 frames of 20 frames, at the planned size', async () => {
    const { part, plan } = await readVideoPart(qwen, clip);
    expect(part.source).toEqual({ size: { width: 96, height: 64 }, totalFrames: 20, frameRate: 10 });
    expect(plan.frames.map((f) => f.index)).toEqual([0, 6, 13, 19]);
    expect(part.frames).toHaveLength(4);
    expect(part.frames[0]).toMatchObject(plan.resized);
    expect(part.frames[0]?.data?.length).toBe(plan.resized.width * plan.resized.height * 3);
  });

  it('answers about a clip, and about an image and a clip together', () => {
    for (const files of [[clip], [shot, clip]]) {
      const run = tessera(
        'ask',
        '--model',
        qwen,
        '--device',
        'cpu',
        '--max-tokens',
        '6',
        ...files,
        '--',
        'What happens?',
      );
      expect(run.stderr).not.toMatch(/^tessera/m);
      expect(run.code).toBe(0);
      expect(run.stdout.trim().length).toBeGreaterThan(0);
    }
  });

  it('plans SmolVLM2 frames as single global views: 2 of 20 frames at 1 fps, each at the tile size', async () => {
    // video_processing_smolvlm: round(1 fps × 2 s) = 2 frames, linspace(0, 19, 2) = 0, 19; 64×64 views.
    const { part, plan } = await readVideoPart(smolvlm2, clip);
    expect(plan.frames.map((f) => f.index)).toEqual([0, 19]);
    expect(plan.resized).toEqual({ width: 64, height: 64 });
    expect(part.frames).toHaveLength(2);
    expect(part.frames[0]?.data?.length).toBe(64 * 64 * 3);
  });

  it('answers about a clip with a SmolVLM2 model, and about an image and a clip together', () => {
    for (const files of [[clip], [shot, clip]]) {
      const run = tessera(
        'ask',
        '--model',
        smolvlm2,
        '--device',
        'cpu',
        '--max-tokens',
        '6',
        ...files,
        '--',
        'What?',
      );
      expect(run.stderr).not.toMatch(/^tessera/m);
      expect(run.code).toBe(0);
      expect(run.stdout.trim().length).toBeGreaterThan(0);
    }
  });

  it('exits with one line for a model without video, a file that is not a video, and a remote server', async () => {
    const smol = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
    const notVideo = join(scratch, 'notes.webm');
    writeFileSync(notVideo, 'not a video\n');
    const cases: Array<[string[], RegExp]> = [
      [['--model', smol, clip], /smolvlm model, which does not take video/],
      [['--model', qwen, notVideo], /notes\.webm is not a video ffmpeg can read/],
      [['--remote', 'http://127.0.0.1:9', '--model', 'm', clip], /a remote server takes images, not videos/],
    ];
    for (const [args, message] of cases) {
      const run = tessera('ask', ...args, '--', 'q');
      expect(run.code).not.toBe(0);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });
});
