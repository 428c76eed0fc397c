/**
 * Getting image files out of paste and drop events, and naming them. Screenshot tools (Windows' Snipping
 * Tool, Greenshot, …) put the image only in `clipboardData.items`, not in `clipboardData.files` — reading
 * `files` alone is the bug behind "paste does not work" in several peer apps — so items come first.
 */
import { MAX_ATTACHMENT_BYTES } from '../../app/ipc/contract.ts';
import { formatBytes } from './format.ts';

/** The parts of DataTransfer used here (clipboardData and dataTransfer both fit). */
export interface TransferLike {
  readonly items?: ArrayLike<{ kind: string; type: string; getAsFile(): File | null }> | null;
  readonly files?: ArrayLike<File> | null;
  readonly types?: ArrayLike<string> | null;
}

/**
 * Every file in a paste or drop, in order. Items are read first (screenshots live only there); `files` is
 * the fallback for sources that fill only it. Office apps put a rendered picture of the copied cells or
 * text next to the text itself; people pasting from them want the text, so rich-text copies yield nothing.
 */
export function filesFromTransfer(data: TransferLike, { forPaste = false } = {}): File[] {
  const types = Array.from(data.types ?? []);
  if (forPaste && types.includes('text/rtf') && types.includes('text/plain')) return [];
  const fromItems: File[] = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== 'file') continue;
    const file = item.getAsFile();
    if (file) fromItems.push(file);
  }
  if (fromItems.length > 0) return fromItems;
  return Array.from(data.files ?? []);
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
  'image/tiff': 'tiff',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/svg+xml': 'svg',
};

const IMAGE_NAME = /\.(png|jpe?g|gif|webp|bmp|tiff?|avif|heic|heif)$/i;

/** Extensions for pasted files that are not images (refused at attach, but named for what they are). */
const OTHER_EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/csv': 'csv',
  'application/json': 'json',
  'application/zip': 'zip',
};

/** The extension a pasted file is named with: from its type, else its own name's. */
function pastedExtension(file: Pick<File, 'type' | 'name'>, image: boolean): string {
  const known = EXTENSIONS[file.type] ?? OTHER_EXTENSIONS[file.type];
  if (known) return `.${known}`;
  const own = /\.([A-Za-z0-9]{1,8})$/.exec(file.name)?.[1];
  if (own) return `.${own.toLowerCase()}`;
  return image ? '.png' : '';
}

/**
 * Names for pasted files: "Pasted image 1.png", "Pasted image 2.png", "Pasted file 3.pdf", … Clipboard
 * images all arrive as "image.png"; unique names keep them apart in the list and in the stored thread.
 * `count` is how many were named before in this draft; names already attached are skipped.
 */
export function namePastedFiles(
  files: readonly Pick<File, 'type' | 'name'>[],
  count: number,
  taken: Iterable<string>,
): { names: string[]; count: number } {
  const used = new Set(taken);
  const names = files.map((file) => {
    const image = file.type ? file.type.startsWith('image/') : IMAGE_NAME.test(file.name);
    const extension = pastedExtension(file, image);
    let name: string;
    do {
      count += 1;
      name = `Pasted ${image ? 'image' : 'file'} ${count}${extension}`;
    } while (used.has(name));
    used.add(name);
    return name;
  });
  return { names, count };
}

/** Why a file cannot be attached, or null. The services check again; this answers before any upload. */
export function attachmentProblem(file: Pick<File, 'type' | 'size' | 'name'>): string | null {
  const looksLikeImage = file.type ? file.type.startsWith('image/') : IMAGE_NAME.test(file.name);
  if (!looksLikeImage) return 'Not an image';
  if (file.size === 0) return 'The file is empty';
  if (file.size > MAX_ATTACHMENT_BYTES)
    return `Too large (${formatBytes(file.size)}; the limit is ${formatBytes(MAX_ATTACHMENT_BYTES)})`;
  return null;
}

export async function readBytes(file: Blob): Promise<Uint8Array> {
  if (typeof file.arrayBuffer === 'function') return new Uint8Array(await file.arrayBuffer());
  // jsdom's Blob lacks arrayBuffer(); FileReader works everywhere.
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error('Could not read the file.'));
    reader.readAsArrayBuffer(file);
  });
}
