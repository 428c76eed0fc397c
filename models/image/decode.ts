/**
 * Image bytes → oriented sRGB RGB pixels, with sharp. Every family's preprocessing starts from this, so the
 * policy lives here: which formats are read, how big an image may be, and what happens to alpha.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { TesseraError } from '../errors.ts';

/** Decoded, oriented, sRGB pixels of one image. Implementation: see decodeImage below. */
export interface DecodedImage {
  width: number;
  height: number;
  /** Always 3: alpha is composited onto white at decode, as Python's `convert_to_rgb` does. */
  channels: 3;
  /** RGB, row-major, HWC, uint8. */
  data: Uint8Array;
}

export interface DecodeOptions {
  /** Largest width × height accepted; default MAX_IMAGE_PIXELS. */
  maxPixels?: number;
}

/** 100 megapixels (~300 MB decoded): far above what a model looks at (SmolVLM: ≤ 2048 px per side). */
export const MAX_IMAGE_PIXELS = 100_000_000;

export const SUPPORTED_IMAGE_FORMATS: readonly string[] = ['PNG', 'JPEG', 'WebP', 'GIF', 'AVIF', 'TIFF'];

// sharp's metadata().format names of the formats above (AVIF is read by the heif loader).
const ACCEPTED = new Set(['png', 'jpeg', 'webp', 'gif', 'heif', 'tiff']);

const supportedList = (): string => SUPPORTED_IMAGE_FORMATS.join(', ');

/** Decodes the first frame of an image file; throws TesseraError IMAGE_INVALID / IMAGE_TOO_LARGE. */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = Math.max(1, Math.floor(options.maxPixels ?? MAX_IMAGE_PIXELS));
  if (bytes.length === 0) {
    throw new TesseraError('IMAGE_INVALID', 'The image could not be read: the file is empty.');
  }
  checkHeader(await readHeader(bytes), maxPixels);

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // failOn 'error' rejects cut-off and corrupt files but not the benign warnings many camera JPEGs carry
    // (sharp's default, 'warning', would). limitInputPixels repeats the header check inside libvips.
    decoded = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, autoOrient: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (/pixel limit/i.test(messageOf(error))) throw tooLarge(null, maxPixels, error);
    throw corrupt(error);
  }
  const { data, info } = decoded;
  if (info.channels !== 3) {
    throw new TesseraError('INTERNAL', `Image decode produced ${info.channels} channels instead of 3.`);
  }
  return {
    width: info.width,
    height: info.height,
    channels: 3,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/**
 * The size an image will have once decoded and oriented, from its header alone: what `tessera plan`
 * and the token estimate need, without decoding pixels. Refuses what decodeImage would refuse.
 */
export async function readImageSize(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<{ width: number; height: number }> {
  if (bytes.length === 0) {
    throw new TesseraError('IMAGE_INVALID', 'The image could not be read: the file is empty.');
  }
  const meta = await readHeader(bytes);
  checkHeader(meta, Math.max(1, Math.floor(options.maxPixels ?? MAX_IMAGE_PIXELS)));
  const width = meta.width as number;
  const height = meta.height as number;
  // EXIF orientations 5–8 rotate by 90°, swapping width and height.
  return (meta.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height };
}

/**
 * The size, as readImageSize gives it, once every pixel has been decoded: a file cut short or damaged past
 * its header is refused when it is attached, not when the question is asked. sharp decodes on libuv's
 * thread pool; `stats()` reads the pixels without keeping an output image.
 */
export async function readVerifiedImageSize(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<{ width: number; height: number }> {
  const size = await readImageSize(bytes, options);
  const maxPixels = Math.max(1, Math.floor(options.maxPixels ?? MAX_IMAGE_PIXELS));
  try {
    // The same failOn as decodeImage, so what passes here decodes there.
    await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels }).stats();
  } catch (error) {
    throw corrupt(error);
  }
  return size;
}

/** sha256 of the file bytes, hex: the key for caches of decoded images and image features. */
export function imageHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads only the header, so size and format are refused before any pixel memory is allocated. */
async function readHeader(bytes: Uint8Array): Promise<Metadata> {
  try {
    // No pixel limit here: the point is to learn the size and refuse it with our own message below.
    return await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    const detail = messageOf(error);
    const notAnImage = /unsupported image format/i.test(detail);
    throw new TesseraError(
      'IMAGE_INVALID',
      notAnImage
        ? `The file is not an image Tessera can read. Supported formats: ${supportedList()}.`
        : corruptMessage(detail),
      { cause: error },
    );
  }
}

const corruptMessage = (detail: string): string =>
  `The image is truncated or corrupt (${detail}); re-save or re-capture it.`;

function corrupt(error: unknown): TesseraError {
  return new TesseraError('IMAGE_INVALID', corruptMessage(messageOf(error)), { cause: error });
}

function checkHeader(meta: Metadata, maxPixels: number): void {
  const format = meta.format as string | undefined;
  if (format === undefined || !ACCEPTED.has(format)) {
    throw new TesseraError(
      'IMAGE_INVALID',
      `${format ? `${format.toUpperCase()} images are` : 'This image format is'} not supported. ` +
        `Supported formats: ${supportedList()}.`,
    );
  }
  if (format === 'heif' && meta.compression === 'hevc') {
    // Prebuilt sharp reads AVIF only; HEVC decoding is not in its libheif build.
    throw new TesseraError(
      'IMAGE_INVALID',
      'HEIC (HEVC-compressed HEIF) images cannot be decoded here. Convert the image to JPEG or PNG first.',
    );
  }
  const { width, height } = meta;
  if (!width || !height) {
    throw new TesseraError('IMAGE_INVALID', 'The image header does not state a width and height.');
  }
  if (width * height > maxPixels) throw tooLarge({ width, height }, maxPixels);
}

function tooLarge(size: { width: number; height: number } | null, maxPixels: number, cause?: unknown) {
  const what = size
    ? `${size.width} × ${size.height} pixels (${mp(size.width * size.height)}), over`
    : 'over';
  return new TesseraError(
    'IMAGE_TOO_LARGE',
    `The image is ${what} the limit of ${mp(maxPixels)}. ` +
      'Downscale it below the limit and try again: the model looks at a few megapixels at most anyway.',
    { cause },
  );
}

const mp = (pixels: number): string => `${Number((pixels / 1e6).toFixed(1))} megapixels`;

const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
