import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { RawImage } from '@huggingface/transformers';
import { isTesseraError } from '../errors.ts';
import { hugePngHeader } from '../testing/images.ts';
import {
  decodeImage,
  imageHash,
  MAX_IMAGE_PIXELS,
  readImageSize,
  readVerifiedImageSize,
  type DecodedImage,
} from './decode.ts';

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];

/** 40×20: left half red, right half blue, so orientation and frame choice are visible. */
function halves(): Sharp {
  const w = 40;
  const h = 20;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set(x < w / 2 ? RED : BLUE, (y * w + x) * 3);
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } });
}

function pixel(image: DecodedImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(i, i + 3));
}

function expectNear(actual: number[], expected: number[], tolerance: number): void {
  actual.forEach((v, i) => expect(Math.abs(v - (expected[i] ?? NaN))).toBeLessThanOrEqual(tolerance));
}

async function expectError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isTesseraError(error), String(error)).toBe(true);
  if (!isTesseraError(error)) return;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

describe('decodeImage: formats', () => {
  const cases: [string, () => Promise<Buffer>, number][] = [
    ['PNG', () => halves().png().toBuffer(), 0],
    ['JPEG', () => halves().jpeg({ quality: 95 }).toBuffer(), 40],
    ['WebP', () => halves().webp({ lossless: true }).toBuffer(), 0],
    ['GIF', () => halves().gif().toBuffer(), 0],
    ['AVIF', () => halves().avif({ quality: 90 }).toBuffer(), 40],
    ['TIFF', () => halves().tiff({ compression: 'lzw' }).toBuffer(), 0],
  ];
  it.each(cases)('%s decodes to 40×20 RGB with the right colours', async (_name, make, tolerance) => {
    const image = await decodeImage(await make());
    expect([image.width, image.height, image.channels]).toEqual([40, 20, 3]);
    expect(image.data).toHaveLength(40 * 20 * 3);
    expectNear(pixel(image, 5, 10), RED, tolerance);
    expectNear(pixel(image, 35, 10), BLUE, tolerance);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frame = (colour: string) =>
      sharp({ create: { width: 30, height: 20, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } })
      .gif()
      .toBuffer();
    const image = await decodeImage(gif);
    expect([image.width, image.height]).toEqual([30, 20]);
    expect(pixel(image, 15, 10)).toEqual(RED);
  });
});

describe('decodeImage: orientation, alpha, colourspace', () => {
  it('applies EXIF orientation 6 (rotate 90° clockwise): the left half ends on top', async () => {
    const jpeg = await halves().jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const image = await decodeImage(jpeg);
    expect([image.width, image.height]).toEqual([20, 40]);
    expect(await readImageSize(jpeg)).toEqual({ width: 20, height: 40 });
    expect(await readImageSize(await halves().png().toBuffer())).toEqual({ width: 40, height: 20 });
    expectNear(pixel(image, 10, 5), RED, 40);
    expectNear(pixel(image, 10, 35), BLUE, 40);
  });

  it('composites alpha onto white, as Python convert_to_rgb does', async () => {
    // Row 0 fully transparent (hidden colour red), row 1 half transparent red, row 2 opaque red.
    const rgba = Buffer.alloc(4 * 3 * 4);
    const alphas = [0, 128, 255];
    for (let i = 0; i < 12; i++) rgba.set([255, 0, 0, alphas[Math.floor(i / 4)] ?? 0], i * 4);
    const png = await sharp(rgba, { raw: { width: 4, height: 3, channels: 4 } })
      .png()
      .toBuffer();
    const image = await decodeImage(png);
    expect(image.channels).toBe(3);
    expect(pixel(image, 0, 0)).toEqual([255, 255, 255]);
    expectNear(pixel(image, 0, 1), [255, 127, 127], 1);
    expect(pixel(image, 0, 2)).toEqual(RED);
    // Departure: transformers.js's RawImage.rgb() drops alpha and keeps the hidden colour.
    const js = new RawImage(new Uint8ClampedArray(rgba), 4, 3, 4).rgb();
    expect(Array.from(js.data.subarray(0, 3))).toEqual(RED);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await halves().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const image = await decodeImage(cmyk);
    expect(image.data).toHaveLength(40 * 20 * 3);
    const [r, g, b] = pixel(image, 5, 10);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
  });

  it('converts through an embedded ICC profile (Display P3) to sRGB', async () => {
    const p3 = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } })
      .withIccProfile('p3')
      .png()
      .toBuffer();
    // The stored values are P3 ones; Pillow (which ignores ICC) would read these.
    expect(Array.from((await sharp(p3, { ignoreIcc: true }).raw().toBuffer()).subarray(0, 3))).not.toEqual(
      RED,
    );
    expectNear(pixel(await decodeImage(p3), 1, 1), RED, 1);
  });

  it('expands grayscale to three equal channels', async () => {
    const gray = await sharp(Buffer.alloc(6 * 4, 77), { raw: { width: 6, height: 4, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(gray).metadata()).channels).toBe(1);
    const image = await decodeImage(gray);
    expect(pixel(image, 3, 2)).toEqual([77, 77, 77]);
  });

  it('reduces a 16-bit PNG to 8 bits per channel', async () => {
    const png16 = await halves().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const image = await decodeImage(png16);
    expect(image.data).toHaveLength(40 * 20 * 3);
    expect(pixel(image, 35, 10)).toEqual(BLUE);
  });
});

describe('decodeImage: refusals', () => {
  it('refuses a zero-byte file', async () => {
    await expectError(decodeImage(new Uint8Array(0)), 'IMAGE_INVALID', /the file is empty/);
  });

  it('refuses random bytes and names the supported formats', async () => {
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    await expectError(decodeImage(noise), 'IMAGE_INVALID', /not an image.*PNG, JPEG, WebP, GIF, AVIF, TIFF/);
  });

  it('refuses SVG, which sharp could render but is not an accepted photo format', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await expectError(decodeImage(svg), 'IMAGE_INVALID', /SVG images are not supported.*PNG/);
  });

  // Noise, so the pixel data (not just the header) is what gets cut off.
  const noise = () => {
    const raw = Buffer.alloc(300 * 200 * 3).map((_, i) => (i * 7919) % 256);
    return sharp(raw, { raw: { width: 300, height: 200, channels: 3 } });
  };
  it.each([
    ['PNG', () => noise().png().toBuffer(), 0.6],
    ['JPEG', () => noise().jpeg().toBuffer(), 0.6],
    ['JPEG cut inside its header', () => noise().jpeg().toBuffer(), 0.002],
  ])('refuses a truncated %s', async (_name, make, keep) => {
    const whole = await make();
    await expectError(
      decodeImage(whole.subarray(0, Math.floor(whole.length * keep))),
      'IMAGE_INVALID',
      /truncated or corrupt/,
    );
  });

  it('refuses a PNG whose data fails its checksum', async () => {
    const png = Buffer.from(await noise().png().toBuffer());
    const at = Math.floor(png.length / 2);
    png[at] = (png[at] ?? 0) ^ 0x55;
    await expectError(decodeImage(png), 'IMAGE_INVALID', /truncated or corrupt/);
  });

  it('accepts a JPEG with extraneous bytes before a marker (a libjpeg warning, common from cameras)', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const junk = Buffer.concat([jpeg.subarray(0, sos), Buffer.from([1, 2, 3, 4]), jpeg.subarray(sos)]);
    await expect(sharp(junk).raw().toBuffer()).rejects.toThrow(/extraneous bytes/); // sharp's default refuses
    expectNear(pixel(await decodeImage(junk), 32, 32), [0x33, 0x66, 0x99], 2);
  });

  it('refuses a 30000×30000 PNG from its header, without decoding it', async () => {
    const bytes = hugePngHeader(30000, 30000);
    expect(bytes.length).toBeLessThan(1000);
    await expectError(
      decodeImage(bytes),
      'IMAGE_TOO_LARGE',
      /30000 × 30000 pixels \(900 megapixels\).*limit of 100 megapixels.*Downscale/,
    );
  });

  it('honours a smaller maxPixels', async () => {
    const png = await halves().png().toBuffer();
    await expectError(decodeImage(png, { maxPixels: 799 }), 'IMAGE_TOO_LARGE', /40 × 20 pixels/);
    expect((await decodeImage(png, { maxPixels: 800 })).width).toBe(40);
    expect(MAX_IMAGE_PIXELS).toBe(100_000_000);
  });
});

describe('readVerifiedImageSize: the size once every pixel decodes', () => {
  const noise = () => {
    const raw = Buffer.alloc(120 * 80 * 3).map((_, i) => (i * 7919) % 256);
    return sharp(raw, { raw: { width: 120, height: 80, channels: 3 } });
  };

  it.each([
    ['PNG', () => noise().png().toBuffer()],
    ['JPEG', () => noise().jpeg().toBuffer()],
  ])('refuses a %s cut in half, whose header alone passes', async (_name, make) => {
    const whole = await make();
    const half = whole.subarray(0, Math.floor(whole.length / 2));
    expect(await readImageSize(half)).toEqual({ width: 120, height: 80 });
    await expectError(
      readVerifiedImageSize(half),
      'IMAGE_INVALID',
      /^The image is truncated or corrupt \(.+\); re-save or re-capture it\.$/,
    );
    expect(await readVerifiedImageSize(whole)).toEqual({ width: 120, height: 80 });
  });

  it('refuses what readImageSize refuses, with its message', async () => {
    await expectError(readVerifiedImageSize(new Uint8Array(0)), 'IMAGE_INVALID', /the file is empty/);
    await expectError(readVerifiedImageSize(hugePngHeader(30000, 30000)), 'IMAGE_TOO_LARGE', /30000 × 30000/);
  });

  it('gives the oriented size', async () => {
    const jpeg = await halves().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await readVerifiedImageSize(jpeg)).toEqual({ width: 20, height: 40 });
  });
});

describe('imageHash', () => {
  it('is the sha256 of the bytes, in hex', () => {
    expect(imageHash(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
