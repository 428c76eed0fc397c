/** Images made on the fly for tests: gradients and seeded noise, encoded by sharp. */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { seededRandom } from '../runtime/sampling.ts';

export async function noiseImage(
  width: number,
  height: number,
  seed: number,
  format: 'png' | 'jpeg' = 'png',
) {
  const random = seededRandom(seed);
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 256);
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  return new Uint8Array(await (format === 'png' ? image.png() : image.jpeg()).toBuffer());
}

export async function gradientImage(width: number, height: number) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = Math.round((255 * x) / Math.max(1, width - 1));
      pixels[i + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      pixels[i + 2] = 128;
    }
  }
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/**
 * A valid PNG header declaring a huge image (a decompression bomb) with only a few real bytes of data:
 * decoders that trust the header would allocate width × height × 3 bytes.
 */
export function hugePngHeader(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const idat = deflateSync(Buffer.alloc(1 + width * 3)); // one zero row; the rest is missing
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', idat),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}
