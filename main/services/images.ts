/**
 * images.*: pasted or dropped images are checked (format and size from the header, then every pixel decoded
 * once, on libuv's thread pool, so a truncated file is refused on its card rather than when the question is
 * asked), stored by content hash, planned for the active model, and handed to the engine to encode at once,
 * so the question waits only for prefill. That early encode is an optimisation: if it fails it is logged,
 * and the send encodes again and reports the error there.
 */
import type { Handlers } from '../../app/ipc/contract.ts';
import { readVerifiedImageSize } from '../../models/image/decode.ts';
import type { Context } from './context.ts';
import { familyOf, targetFor } from './context.ts';
import { notFound } from './errors.ts';
import { unknownPlan } from '../remote/plan.ts';

type ImageHandlers = Pick<Handlers, 'images.attach' | 'images.plan' | 'images.get' | 'images.discard'>;

export function imageHandlers(ctx: Context): ImageHandlers {
  const { store } = ctx;
  const activeModel = () => ctx.models.resolve(store.getSettings().activeModelId);

  return {
    'images.attach': async ({ name, data, detail, videoFrame }) => {
      // IMAGE_INVALID (truncated or corrupt too) / IMAGE_TOO_LARGE, with a message for the user's card
      const size = await readVerifiedImageSize(data);
      // A remote model of a family Tessera does not know has no plan: the image goes as it is.
      const family = familyOf(ctx, activeModel());
      const chosen = detail ?? family?.defaultDetail ?? 'high';
      const plan = family ? family.planImage(size, chosen) : null;
      const mime = sniffMime(data);
      const { sha256 } = store.putImage(data, { name, mime, width: size.width, height: size.height });
      if (!videoFrame) prepareInBackground(ctx, data, sha256, chosen);
      return { image: { sha256, name, mime, width: size.width, height: size.height, detail: chosen }, plan };
    },
    'images.plan': async ({ sha256, detail }) => {
      const meta = store.getImageMeta(sha256) ?? raise(notFound('The image'));
      const model = activeModel();
      const family = familyOf(ctx, model) ?? raise(unknownPlan(model));
      return family.planImage({ width: meta.width, height: meta.height }, detail);
    },
    'images.get': async ({ sha256 }) => store.getImageBytes(sha256) ?? raise(notFound('The image')),
    // A redaction replaced this attachment before it was sent: the original goes (the store refuses while
    // a message or a draft refers to it). The engine's feature cache is keyed by content, so a redacted
    // image is encoded anew, and the original's entry is only in memory.
    'images.discard': async ({ sha256 }) => {
      store.discardImage(sha256);
      return { sha256 };
    },
  };
}

function prepareInBackground(ctx: Context, data: Uint8Array, sha256: string, detail: 'low' | 'high'): void {
  // Only when the engine holds the settings' model: switching or starting a model for a guess is not
  // worth it (a thread with its own model would make the engine switch back and forth).
  let target;
  try {
    target = targetFor(ctx);
  } catch {
    return; // No model, or a remote one: nothing to encode here.
  }
  if (ctx.engine.target?.dir !== target.dir) return;
  ctx.engine
    .withEngine((client) => client.request('prepareImage', { data, sha256, detail }))
    .catch((error: unknown) => ctx.log('encoding an attached image ahead of time failed', error));
}

/** The MIME type from the file's magic bytes (names and renderer-given types are not trusted). */
export function sniffMime(bytes: Uint8Array): string {
  const ascii = (start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));
  if (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 4) === 'GIF8') return 'image/gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'image/tiff';
  if (ascii(4, 8) === 'ftyp') return /^avi[fs]$/.test(ascii(8, 12)) ? 'image/avif' : 'image/heif';
  return 'application/octet-stream';
}

function raise(error: Error): never {
  throw error;
}
