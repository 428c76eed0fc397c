/**
 * Cutting a region out of an image at its full resolution and attaching it as a new image: small text or
 * detail that the tiles shrink is then seen pixel for pixel. The region is in original-image pixels (what
 * tile plans and drawn boxes use); the pixels come from the stored file itself, decoded by the browser with
 * its orientation applied, as the image's width and height are.
 */
import type { ImageRef } from '../../app/ipc/contract.ts';
import type { Size } from '../../app/tile-plan.ts';
import type { AttachOrigin } from '../state/slices/composer.ts';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** "photo crop 120×80.png": the source's name without its extension, and the crop's size. */
export function cropName(sourceName: string, region: Pick<Region, 'width' | 'height'>): string {
  const base = sourceName.replace(/\.[A-Za-z0-9]{1,8}$/, '') || 'image';
  return `${base} crop ${region.width}×${region.height}.png`;
}

/**
 * The region in the decoded bitmap's pixels. A browser's decoded size equals the stored size (both after
 * EXIF orientation), but should they differ the region is scaled rather than cut from the wrong place.
 */
export function sourceRect(region: Region, stored: Size, decoded: Size): Region {
  const sx = decoded.width / stored.width;
  const sy = decoded.height / stored.height;
  return { x: region.x * sx, y: region.y * sy, width: region.width * sx, height: region.height * sy };
}

/** The region of the image at `url` as a PNG file of exactly region.width × region.height pixels. */
export async function cropToFile(url: string, stored: Size, region: Region, name: string): Promise<File> {
  const image = new Image();
  image.src = url;
  await image.decode();
  const from = sourceRect(region, stored, { width: image.naturalWidth, height: image.naturalHeight });
  const canvas = document.createElement('canvas');
  canvas.width = region.width;
  canvas.height = region.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas to crop with.');
  context.drawImage(image, from.x, from.y, from.width, from.height, 0, 0, region.width, region.height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The crop could not be encoded.');
  return new File([blob], name, { type: 'image/png' });
}

/**
 * Crops a stored image and adds the crop to the composer through the usual attach path (`addFiles`, which
 * stores it with `images.attach`, plans it and starts its encoding). Resolves with the file attached.
 */
export async function attachCrop(
  addFiles: (files: readonly File[], origin: AttachOrigin) => void,
  source: { url: string; image: Pick<ImageRef, 'name' | 'width' | 'height'> },
  region: Region,
): Promise<File> {
  const file = await cropToFile(
    source.url,
    { width: source.image.width, height: source.image.height },
    region,
    cropName(source.image.name, region),
  );
  addFiles([file], 'crop');
  return file;
}
