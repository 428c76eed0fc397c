/** The frames' PNGs decode to the same RGB as sharp's (libpng picks every filter type on noise). */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngToRgb } from './png-rgb.ts';

function noise(width: number, height: number, channels: 3 | 4, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    // Smooth in places, noisy in others, so the encoder's adaptive filtering uses several filters.
    pixels[i] = i % 7 < 3 ? (i >> 4) & 0xff : state >>> 24;
  }
  return pixels;
}

describe('pngToRgb', () => {
  for (const channels of [3, 4] as const) {
    it(`reads ${channels === 3 ? 'RGB' : 'RGBA'} as sharp does`, async () => {
      const raw = noise(57, 31, channels, channels);
      const png = new Uint8Array(
        await sharp(raw, { raw: { width: 57, height: 31, channels } })
          .png()
          .toBuffer(),
      );
      const expected = await sharp(png).removeAlpha().raw().toBuffer();
      const frame = pngToRgb(png, 'frame 1');
      expect(frame).toMatchObject({ width: 57, height: 31 });
      expect(Buffer.from(frame.data).equals(expected)).toBe(true);
    });
  }

  it('refuses what it does not read, by name', async () => {
    expect(() => pngToRgb(new Uint8Array(40), 'frame 2')).toThrow(
      /frame 2 is not a PNG frame.*no PNG signature/,
    );
    const raw = noise(8, 8, 3, 1);
    const palette = new Uint8Array(
      await sharp(raw, { raw: { width: 8, height: 8, channels: 3 } })
        .png({ palette: true })
        .toBuffer(),
    );
    expect(palette[25]).toBe(3);
    expect(() => pngToRgb(palette, 'frame 3')).toThrow(/colour type 3/);
    const rgb = new Uint8Array(
      await sharp(raw, { raw: { width: 8, height: 8, channels: 3 } })
        .png()
        .toBuffer(),
    );
    expect(() => pngToRgb(rgb.subarray(0, rgb.length - 30), 'frame 4')).toThrow(/frame 4/);
  });
});
