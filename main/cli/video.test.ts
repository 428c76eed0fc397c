/**
 * Reading clips with ffmpeg: the clips are made by the test with ffmpeg itself (lavfi sources), never committed.
 * A lossless clip whose frame n has red = 12·n shows that the frames decoded are exactly the ones asked for.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VIDEO_LIMITS, FFMPEG_INSTALL_HINT, decodeFrames, probeVideo } from './video.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-video-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const numbered = join(scratch, 'numbered.mkv');
const mp4 = join(scratch, 'testsrc2.mp4');

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A stand-in tool: a shell script with this body. */
function fakeTool(name: string, body: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

beforeAll(() => {
  // 20 frames at 10 fps, 32×32, frame n: red 12·n, green 128, blue 64 (FFV1: lossless).
  ffmpeg(
    ...['-f', 'lavfi', '-i', "color=size=32x32:rate=10:duration=2,format=rgb24,geq=r='N*12':g=128:b=64"],
    ...['-c:v', 'ffv1', numbered],
  );
  // 3 s of testsrc2 at 25 fps, 160×120, H.264 in MP4 as a phone or screen recorder writes it.
  ffmpeg(
    ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=3'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', mp4],
  );
});

describe('probing a clip', () => {
  it('states frame size, frame rate and frame count', async () => {
    expect(await probeVideo(numbered)).toEqual({
      size: { width: 32, height: 32 },
      totalFrames: 20,
      frameRate: 10,
    });
    expect(await probeVideo(mp4)).toEqual({
      size: { width: 160, height: 120 },
      totalFrames: 75,
      frameRate: 25,
    });
  });

  it('refuses a file that is not a video, naming it', async () => {
    const text = join(scratch, 'notes.mp4');
    writeFileSync(text, 'these are not frames\n');
    await expect(probeVideo(text)).rejects.toThrow(
      /notes\.mp4 is not a video ffmpeg can read.*MP4, WebM or MOV/,
    );
  });

  it('refuses frames over the pixel limit and clips over the frame limit before decoding anything', async () => {
    await expect(probeVideo(mp4, { ...DEFAULT_VIDEO_LIMITS, maxFramePixels: 160 * 119 })).rejects.toThrow(
      /160×120 pixels, over the limit of 19,040; scale the video down/,
    );
    await expect(probeVideo(mp4, { ...DEFAULT_VIDEO_LIMITS, maxClipFrames: 74 })).rejects.toThrow(
      /75 frames, over the limit of 74; trim it/,
    );
  });
});

describe('decoding sampled frames', () => {
  it('decodes exactly the frames asked for, in order, at the size asked for', async () => {
    const frames = await decodeFrames(numbered, [0, 7, 19], { width: 32, height: 32 });
    expect(frames.map((f) => f.length)).toEqual([3072, 3072, 3072]);
    expect(frames.map((f) => [f[0], f[1], f[2]])).toEqual([
      [0, 128, 64],
      [84, 128, 64],
      [228, 128, 64],
    ]);
  });

  it('scales to the plan size, and repeats a frame asked for twice', async () => {
    const frames = await decodeFrames(mp4, [0, 0, 40, 74], { width: 56, height: 28 });
    expect(frames.map((f) => f.length)).toEqual([4704, 4704, 4704, 4704]);
    expect(frames[1]).toEqual(frames[0]);
    expect(frames[2]).not.toEqual(frames[0]);
  });

  it('refuses more frames than the limit', async () => {
    const limits = { ...DEFAULT_VIDEO_LIMITS, maxSampledFrames: 2 };
    await expect(decodeFrames(mp4, [0, 1, 2], { width: 28, height: 28 }, limits)).rejects.toThrow(
      /3 frames were asked.*between 1 and 2/,
    );
  });

  it('says so when the clip holds fewer frames than asked for', async () => {
    await expect(decodeFrames(numbered, [0, 25], { width: 32, height: 32 })).rejects.toThrow(
      /decoded 1 of the 2 frames/,
    );
  });
});

describe('ffmpeg missing or misbehaving', () => {
  it('says how to install ffmpeg when it is not on PATH', async () => {
    const tools = { ffmpeg: 'tessera-no-such-ffmpeg', ffprobe: 'tessera-no-such-ffprobe' };
    expect(FFMPEG_INSTALL_HINT).toMatch(/apt install ffmpeg, brew install ffmpeg, winget install ffmpeg/);
    await expect(probeVideo(mp4, DEFAULT_VIDEO_LIMITS, tools)).rejects.toThrow(FFMPEG_INSTALL_HINT);
    await expect(
      decodeFrames(mp4, [0], { width: 28, height: 28 }, DEFAULT_VIDEO_LIMITS, tools),
    ).rejects.toThrow(FFMPEG_INSTALL_HINT);
  });

  it('stops a tool that runs past the time limit', async () => {
    const tools = { ffmpeg: 'ffmpeg', ffprobe: fakeTool('slow-ffprobe', 'exec sleep 60') };
    const limits = { ...DEFAULT_VIDEO_LIMITS, timeoutMs: 300 };
    await expect(probeVideo(mp4, limits, tools)).rejects.toThrow(/took over 0.3 s and was stopped/);
  });

  it('stops a decoder that writes more than the frames asked for (a video bomb), without buffering it', async () => {
    const tools = { ffmpeg: fakeTool('endless-ffmpeg', 'exec cat /dev/zero'), ffprobe: 'ffprobe' };
    await expect(
      decodeFrames(mp4, [0, 1], { width: 28, height: 28 }, DEFAULT_VIDEO_LIMITS, tools),
    ).rejects.toThrow(/produced more than the 4,704 bytes expected/);
  });
});
