/**
 * OpenAI messages → the engine's ChatMessage list. Images arrive as `data:` URLs (or, where the user allowed
 * it, http(s) URLs fetched with a size cap and a timeout) and are checked as an attached image is
 * (main/services/images.ts): format from the bytes, at most MAX_ATTACHMENT_BYTES, every pixel decoded once.
 * Each image is planned with the model's family geometry, for the answer's `tessera.plans`.
 */
import { MAX_ATTACHMENT_BYTES } from '../../app/ipc/contract.ts';
import type { ChatMessage } from '../../app/chat.ts';
import type { Detail, TilePlan } from '../../app/tile-plan.ts';
import type { FamilyGeometry } from '../../models/families/family.ts';
import { imageHash, readVerifiedImageSize } from '../../models/image/decode.ts';
import { isTesseraError } from '../../models/errors.ts';
import { sniffMime } from '../services/images.ts';
import { ApiError, invalid } from './errors.ts';
import type { ChatRequestMessage } from './schemas.ts';

type Part = ChatMessage['content'][number];

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
const FETCH_TIMEOUT_MS = 20_000;

export interface TranslateOptions {
  family: FamilyGeometry;
  /** The user allowed http(s) image URLs (Settings → Local API server); off by default. */
  fetchImageUrls: boolean;
}

export interface Translated {
  messages: ChatMessage[];
  /** One per image, in order. */
  plans: TilePlan[];
}

export async function translateMessages(
  input: readonly ChatRequestMessage[],
  options: TranslateOptions,
): Promise<Translated> {
  const messages: ChatMessage[] = [];
  const plans: TilePlan[] = [];
  for (const [i, message] of input.entries()) {
    const param = `messages[${i}].content`;
    if (message.content === null) {
      throw invalid(`messages[${i}] has no content; Tessera needs text or images in every message.`, param);
    }
    const role = message.role === 'developer' ? 'system' : message.role;
    const content: Part[] = [];
    const given =
      typeof message.content === 'string'
        ? [{ type: 'text' as const, text: message.content }]
        : message.content;
    for (const [j, part] of given.entries()) {
      if (part.type === 'text') {
        content.push({ type: 'text', text: part.text });
        continue;
      }
      const at = `${param}[${j}].image_url`;
      if (role !== 'user') {
        throw invalid(`Only user messages may hold images; messages[${i}] is a ${message.role} message.`, at);
      }
      const bytes = await imageBytes(part.image_url.url, at, options.fetchImageUrls);
      const size = await verifiedSize(bytes, at);
      const requested = part.image_url.detail ?? 'auto';
      const detail: Detail = requested === 'auto' ? options.family.defaultDetail : requested;
      plans.push(options.family.planImage(size, detail));
      content.push({ type: 'image', data: bytes, sha256: imageHash(bytes), detail });
    }
    messages.push({ role, content });
  }
  return { messages, plans };
}

async function verifiedSize(bytes: Uint8Array, param: string): Promise<{ width: number; height: number }> {
  const mime = sniffMime(bytes);
  if (!IMAGE_TYPES.includes(mime)) {
    throw invalid(
      `The image at ${param} is not a PNG, JPEG, WebP or GIF file (its bytes look like ${mime}).`,
      param,
      'invalid_image_format',
    );
  }
  try {
    return await readVerifiedImageSize(bytes);
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    const code = error.code === 'IMAGE_TOO_LARGE' ? 'image_too_large' : 'invalid_image';
    throw invalid(`The image at ${param} cannot be used: ${error.message}`, param, code);
  }
}

/** The bytes a data: URL holds, or that an http(s) URL answers where fetching is allowed. */
async function imageBytes(url: string, param: string, fetchAllowed: boolean): Promise<Uint8Array> {
  if (url.startsWith('data:')) return dataUrlBytes(url, param);
  if (/^https?:\/\//i.test(url)) {
    if (!fetchAllowed) {
      throw invalid(
        'Image URLs are not fetched by this server: send the image as a data: URL ' +
          '(data:image/png;base64,…), or allow fetching image URLs in Settings → Local API server.',
        param,
        'image_url_not_allowed',
      );
    }
    return fetchImage(url, param);
  }
  throw invalid(
    'An image_url must be a data: URL (or an http(s) URL where allowed).',
    param,
    'invalid_image_url',
  );
}

function dataUrlBytes(url: string, param: string): Uint8Array {
  const comma = url.indexOf(',');
  const header = comma < 0 ? '' : url.slice(5, comma);
  if (comma < 0 || !/;base64$/i.test(header)) {
    throw invalid('An image data: URL must be base64: data:image/png;base64,…', param, 'invalid_image_url');
  }
  const payload = url.slice(comma + 1);
  if (Math.floor((payload.length * 3) / 4) > MAX_ATTACHMENT_BYTES + 2) throw tooLarge(param);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) {
    throw invalid(`The image at ${param} is not valid base64.`, param, 'invalid_image_url');
  }
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.byteLength > MAX_ATTACHMENT_BYTES) throw tooLarge(param);
  if (bytes.byteLength === 0) throw invalid(`The image at ${param} is empty.`, param, 'invalid_image');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function fetchImage(url: string, param: string): Promise<Uint8Array> {
  const failed = (why: string) =>
    invalid(`Could not fetch the image at ${param} (${url}): ${why}.`, param, 'image_fetch_failed');
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  } catch (error) {
    throw failed(
      error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : String(error),
    );
  }
  if (!response.ok) throw failed(`HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_ATTACHMENT_BYTES) {
    await response.body?.cancel();
    throw tooLarge(param);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      total += value.byteLength;
      if (total > MAX_ATTACHMENT_BYTES) {
        await reader?.cancel();
        throw tooLarge(param);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw failed(error instanceof Error ? error.message : String(error));
  }
  return new Uint8Array(Buffer.concat(chunks));
}

const tooLarge = (param: string) =>
  invalid(
    `The image at ${param} is over ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB; send a smaller one.`,
    param,
    'image_too_large',
  );
