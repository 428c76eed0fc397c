/**
 * Synthetic screenshots for the inference suite: a window with a blue title bar, a grey sidebar and lines of
 * dark "words" on white, deterministic, PNG-encoded (as screenshots are). Written once into the cache folder.
 */
import { stat, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

function pixel(x: number, y: number, width: number): [number, number, number] {
  if (y < 40) return [40, 90, 200];
  if (x < width / 6) return [230, 232, 236];
  const line = Math.floor((y - 40) / 24);
  const inText = (y - 40) % 24 >= 6 && (y - 40) % 24 < 18;
  const word = Math.floor(x / 37) + line * 7;
  const ink = inText && x % 37 < 30 && (word * 2654435761) % 5 !== 0 && x < width - 60 - (line % 4) * 90;
  return ink ? [20, 20, 24] : [255, 255, 255];
}

export async function screenshotPng(dir: string, width: number, height: number): Promise<string> {
  const path = join(dir, `screenshot-${width}x${height}.png`);
  if (
    await stat(path).then(
      (s) => s.size > 0,
      () => false,
    )
  )
    return path;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(pixel(x, y, width), (y * width + x) * 3);
  }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  await writeFile(`${path}.tmp`, png);
  await rename(`${path}.tmp`, path);
  return path;
}
