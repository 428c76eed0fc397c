/**
 * images.*: a SmolVLM-like tile plan, sizes from a PNG header (other bytes get a screenshot's size) and a
 * stand-in content hash. Nothing is decoded: renderer tests attach PNG headers, not whole images.
 */
import type { ImageRef } from '../../../app/ipc/contract.ts';
import type { Detail, Tile, TilePlan } from '../../../app/tile-plan.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

/** A plan shaped like SmolVLM's: longest edge up to 2048, 512-pixel tiles, 64 tokens each, plus global. */
export function fakePlan(width: number, height: number, detail: Detail): TilePlan {
  const global: Tile = { x: 0, y: 0, width, height, inputWidth: 512, inputHeight: 512, tokens: 64 };
  const original = { width, height };
  if (detail === 'low')
    return {
      family: 'smolvlm',
      detail,
      original,
      resized: { width: 512, height: 512 },
      grid: { rows: 0, cols: 0, unit: 'tiles' },
      tiles: [],
      global,
      imageTokens: 64,
      promptTokens: 67,
    };
  const scale = Math.min(1, 2048 / Math.max(width, height));
  const cols = Math.max(1, Math.ceil((width * scale) / 512));
  const rows = Math.max(1, Math.ceil((height * scale) / 512));
  const tiles: Tile[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const x = Math.round((c * width) / cols);
      const y = Math.round((r * height) / rows);
      tiles.push({
        x,
        y,
        width: Math.round(((c + 1) * width) / cols) - x,
        height: Math.round(((r + 1) * height) / rows) - y,
        inputWidth: 512,
        inputHeight: 512,
        tokens: 64,
      });
    }
  const imageTokens = 64 * (tiles.length + 1);
  return {
    family: 'smolvlm',
    detail,
    original,
    resized: { width: cols * 512, height: rows * 512 },
    grid: { rows, cols, unit: 'tiles' },
    tiles,
    global,
    imageTokens,
    promptTokens: imageTokens + 3 * (tiles.length + 1) + 2,
  };
}

/** Width and height from a PNG's IHDR chunk; other formats get a screenshot-like default. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } {
  const png = [0x89, 0x50, 0x4e, 0x47];
  if (bytes.length >= 24 && png.every((b, i) => bytes[i] === b)) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  return { width: 1920, height: 1080 };
}

/** Not a real hash: unique per byte content is all the fake needs. */
export function fakeSha(bytes: Uint8Array): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const byte of bytes) {
    h1 = Math.imul(h1 ^ byte, 16777619) >>> 0;
    h2 = Math.imul(h2 + byte, 2246822519) >>> 0;
  }
  const part = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(4);
  return part.slice(0, 64);
}

export function imageHandlers({
  images,
  messages,
  drafts,
}: FakeState): HandlersOf<'images.attach' | 'images.plan' | 'images.get' | 'images.discard'> {
  return {
    'images.attach': ({ name, data, detail }) => {
      const bytes = data as Uint8Array;
      const sha256 = fakeSha(bytes);
      const { width, height } = imageSize(bytes);
      const ref: ImageRef = { sha256, name, mime: 'image/png', width, height, detail: detail ?? 'high' };
      images.set(sha256, { ref, bytes });
      return ok({ image: ref, plan: fakePlan(width, height, ref.detail) });
    },
    'images.plan': ({ sha256, detail }) => {
      const stored = images.get(sha256);
      if (!stored) return err('NOT_FOUND', 'No such image.');
      return ok(fakePlan(stored.ref.width, stored.ref.height, detail));
    },
    'images.get': ({ sha256 }) => {
      const stored = images.get(sha256);
      return stored ? ok(stored.bytes) : err('NOT_FOUND', 'No such image.');
    },
    'images.discard': ({ sha256 }) => {
      if (!images.has(sha256)) return err('NOT_FOUND', 'No such image.');
      const inMessage = [...messages.values()].some((m) =>
        m.parts.some(
          (p) =>
            (p.type === 'image' && p.image.sha256 === sha256) ||
            (p.type === 'video' && p.video.frames.some((f) => f.sha256 === sha256)),
        ),
      );
      const inDraft = [...drafts.values()].some(
        (d) =>
          d.images.some((i) => i.sha256 === sha256) ||
          d.videos.some((v) => v.frames.some((f) => f.sha256 === sha256)),
      );
      if (inMessage || inDraft) return err('CONFLICT', 'A message or a draft refers to this image.');
      images.delete(sha256);
      return ok({ sha256 });
    },
  };
}
