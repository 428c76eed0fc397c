import { describe, expect, it } from 'vitest';
import { MAX_ENCODED_FRAME_BYTES, MAX_VIDEO_BYTES, MAX_VIDEO_FRAMES, chatMessageSchema } from './chat.ts';

const frame = (width: number, height: number, bytes = width * height * 3) => ({
  width,
  height,
  data: new Uint8Array(bytes),
});
const message = (video: Record<string, unknown>) => ({
  role: 'user',
  content: [
    {
      type: 'video',
      source: { size: { width: 64, height: 48 }, totalFrames: 20, frameRate: 10 },
      frames: [frame(28, 28), frame(28, 28)],
      ...video,
    },
    { type: 'text', text: 'What happens?' },
  ],
});

describe('the video part of a chat message', () => {
  it('takes the clip facts, optional sampling and raw RGB frames', () => {
    expect(chatMessageSchema.safeParse(message({})).success).toBe(true);
    expect(chatMessageSchema.safeParse(message({ sampling: { fps: 1, maxFrames: 8 } })).success).toBe(true);
  });

  it('refuses frames whose bytes are not width × height × 3, naming the rule', () => {
    const result = chatMessageSchema.safeParse(message({ frames: [frame(28, 28, 100)] }));
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/width × height × 3 bytes/);
  });

  it('bounds the frame count and the bytes of all frames', () => {
    const many = Array.from({ length: MAX_VIDEO_FRAMES + 1 }, () => frame(1, 1));
    expect(chatMessageSchema.safeParse(message({ frames: many })).success).toBe(false);
    // Two frames of 300 MiB each: over the 512 MiB bound (the byte check runs before any engine work).
    const side = 10240;
    // A real Uint8Array that only says it is that long, so the test allocates nothing.
    const data = Object.defineProperty(new Uint8Array(0), 'length', { value: side * side * 3 });
    const huge = { width: side, height: side, data };
    expect(side * side * 3 * 2).toBeGreaterThan(MAX_VIDEO_BYTES);
    expect(chatMessageSchema.safeParse(message({ frames: [huge] })).success).toBe(true);
    const result = chatMessageSchema.safeParse(message({ frames: [huge, huge] }));
    expect(JSON.stringify(result.error?.issues)).toMatch(/at most 512 MiB/);
  });

  it('takes encoded frames by sha256, with their bytes or without (sent before), mixed with raw ones', () => {
    const sha256 = 'a'.repeat(64);
    const png = { sha256, data: new Uint8Array([0x89, 0x50]) };
    const result = chatMessageSchema.safeParse(message({ frames: [png, { sha256 }, frame(28, 28)] }));
    expect(result.success).toBe(true);
    const parsed = result.data?.content[0];
    expect(parsed?.type === 'video' && parsed.frames).toEqual([png, { sha256 }, frame(28, 28)]);
  });

  it('refuses an encoded frame with a bad hash, no bytes or too many, naming the rule', () => {
    const issues = (frames: unknown[]) =>
      JSON.stringify(chatMessageSchema.safeParse(message({ frames })).error?.issues ?? null);
    expect(issues([{ sha256: 'A'.repeat(64) }])).toMatch(/expected a sha256: 64 lowercase hex digits/);
    expect(issues([{ sha256: 'a'.repeat(64), data: new Uint8Array(0) }])).toMatch(/must not be empty/);
    const big = Object.defineProperty(new Uint8Array(1), 'length', { value: MAX_ENCODED_FRAME_BYTES + 1 });
    expect(issues([{ sha256: 'a'.repeat(64), data: big }])).toMatch(
      /an encoded frame must be at most 64 MiB/,
    );
    expect(issues([{ data: new Uint8Array(3) }])).toMatch(
      /a frame is raw RGB \(\{ width, height, data \}\) or an encoded image \(\{ sha256, data\? \}\)/,
    );
  });

  it('counts encoded bytes toward the bound on all frames', () => {
    const data = Object.defineProperty(new Uint8Array(1), 'length', { value: MAX_ENCODED_FRAME_BYTES });
    const frames = Array.from({ length: 8 }, (_, i) => ({ sha256: i.toString(16).repeat(64), data }));
    expect(chatMessageSchema.safeParse(message({ frames })).success).toBe(true);
    const over = [...frames, { sha256: 'f'.repeat(64), data: new Uint8Array(1) }];
    expect(JSON.stringify(chatMessageSchema.safeParse(message({ frames: over })).error?.issues)).toMatch(
      /at most 512 MiB/,
    );
  });

  it('refuses nonsense clip facts and sampling', () => {
    expect(
      chatMessageSchema.safeParse(
        message({ source: { size: { width: 64, height: 48 }, totalFrames: 0, frameRate: 10 } }),
      ).success,
    ).toBe(false);
    expect(chatMessageSchema.safeParse(message({ sampling: { fps: -1 } })).success).toBe(false);
    expect(chatMessageSchema.safeParse(message({ sampling: { maxFrames: 769 } })).success).toBe(false);
  });
});
