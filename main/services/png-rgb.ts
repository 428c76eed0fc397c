/**
 * A video frame's stored PNG back to raw RGB, synchronously (the engine request is built synchronously, and
 * the frames are small: the plan's size). Only what the renderer's canvas writes is read: 8-bit RGB or RGBA,
 * not interlaced; anything else is refused rather than guessed.
 */
import { inflateSync } from 'node:zlib';
import { badRequest } from './errors.ts';

export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngToRgb(png: Uint8Array, what: string): RgbFrame {
  const refuse = (why: string) => badRequest(`${what} is not a PNG frame Tessera reads (${why}).`);
  if (png.length < 33 || SIGNATURE.some((b, i) => png[i] !== b)) throw refuse('no PNG signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [depth, colour, , , interlace] = png.subarray(24, 29);
  if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) {
    throw refuse(`bit depth ${depth}, colour type ${colour}, interlace ${interlace}`);
  }
  if (width === 0 || height === 0 || width * height > 16384 * 16384) throw refuse(`${width}×${height}`);
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (at + 12 + length > png.length) throw refuse('truncated');
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = colour === 6 ? 4 : 3;
  const stride = width * channels;
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height });
  } catch {
    throw refuse('corrupt image data');
  }
  if (raw.length !== (stride + 1) * height) throw refuse('wrong amount of image data');
  const rgb = new Uint8Array(width * height * 3);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const current = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (current[x - channels] ?? 0) : 0;
      const b = previous[x] ?? 0;
      const c = x >= channels ? (previous[x - channels] ?? 0) : 0;
      const value = line[x] ?? 0;
      current[x] =
        filter === 0
          ? value
          : filter === 1
            ? value + a
            : filter === 2
              ? value + b
              : filter === 3
                ? value + ((a + b) >> 1)
                : filter === 4
                  ? value + paeth(a, b, c)
                  : raise(refuse(`filter ${filter}`));
    }
    for (let x = 0; x < width; x++) {
      rgb.set(current.subarray(x * channels, x * channels + 3), (y * width + x) * 3);
    }
    previous = current;
  }
  return { width, height, data: rgb };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function raise(error: Error): never {
  throw error;
}
