/** Reading an image's own pixels in the page (region and redaction tests): its natural size and colours. */
import type { Locator } from 'playwright-core';
import sharp from 'sharp';

export type Rgb = [number, number, number];

/** The <img>'s natural size and the RGB at each point (original pixels), decoded by Chromium. */
export async function pixelsOf(img: Locator, points: ReadonlyArray<readonly [number, number]>) {
  return img.evaluate(async (element: HTMLImageElement, at) => {
    await element.decode();
    const canvas = document.createElement('canvas');
    canvas.width = element.naturalWidth;
    canvas.height = element.naturalHeight;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no canvas');
    context.drawImage(element, 0, 0);
    return {
      width: element.naturalWidth,
      height: element.naturalHeight,
      colours: at.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3))),
    };
  }, points) as Promise<{ width: number; height: number; colours: Rgb[] }>;
}

/**
 * A pattern whose every pixel says where it is: red across, green down (a gradient), and blue
 * (7x + 13y) mod 256, which changes with any shift of a pixel or two, so a crop from the wrong place fails.
 */
export function patternAt(x: number, y: number, width: number, height: number): Rgb {
  return [Math.round((255 * x) / (width - 1)), Math.round((255 * y) / (height - 1)), (7 * x + 13 * y) % 256];
}

/** The pattern as a PNG. */
export async function patternImage(width: number, height: number): Promise<Uint8Array> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(patternAt(x, y, width, height), (y * width + x) * 3);
  }
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** Colours equal within a PNG round trip's rounding. */
export function near(a: readonly number[] | undefined, b: readonly number[], tolerance = 2): boolean {
  return (
    a !== undefined && a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] ?? NaN)) <= tolerance)
  );
}
