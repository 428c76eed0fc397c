/** Thread export: Markdown of the branch shown (self-contained, images inline) and JSON of the whole tree. */
import type { TokenConfidence } from '../../app/chat.ts';
import { answerModelLabel } from '../../app/families.ts';
import type { ImageRef, Message, Thread } from '../../app/ipc/contract.ts';
import { isUntitled } from './messages.ts';

export interface ExportImage {
  meta: Omit<ImageRef, 'detail'> & { bytes: number };
  data: Uint8Array | null;
}

export type ImageLookup = (sha256: string) => ExportImage | null;

/** A file name from a title: lower-case words joined by dashes, any script, no accents. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
  if (slug === '' || /^(con|prn|aux|nul|com\d|lpt\d)$/.test(slug)) return `chat${slug ? `-${slug}` : ''}`;
  return slug;
}

const STATUS_NOTE: Partial<Record<Message['status'], string>> = {
  streaming: '*(The answer was still being written.)*',
  stopped: '*(Stopped.)*',
  interrupted: '*(Interrupted: the app closed while answering.)*',
};

/** "**Assistant** · SmolVLM-256M-Instruct (SmolVLM, q4)": a thread can mix models, so each answer names its own. */
function assistantHeading(message: Message): string {
  const label = message.stats ? answerModelLabel(message.stats) : null;
  return label ? `**Assistant** · ${label.replace(/[\\`*_[\]<>]/g, '\\$&')}` : '**Assistant**';
}

/** `branch` is root → current leaf. */
export function toMarkdown(thread: Thread, branch: Message[], image: ImageLookup) {
  const title = isUntitled(thread.title) ? 'Untitled chat' : thread.title;
  const blocks: string[] = [`# ${title.replace(/\n/g, ' ')}`];
  for (const message of branch) {
    blocks.push(message.role === 'user' ? '**You**' : assistantHeading(message));
    for (const part of message.parts) {
      if (part.type === 'text') {
        // Blank lines around the text go; leading spaces stay (they may start an indented code block).
        const text = part.text.replace(/^\s*\n/, '').trimEnd();
        if (text !== '') blocks.push(text);
        continue;
      }
      if (part.type === 'video') {
        // A video is what was sent: its sampled frames, each at its time, after a line saying what it is.
        const { video } = part;
        const name = escapeAlt(video.name);
        blocks.push(
          `*(Video ${name}: ${video.durationSeconds.toFixed(1)} s from ${video.start.toFixed(1)} s, ` +
            `${video.frames.length} frames sampled)*`,
        );
        for (const frame of video.frames) {
          blocks.push(inlineImage(image, frame.sha256, `${name} at ${frame.seconds.toFixed(2)} s`));
        }
        continue;
      }
      blocks.push(inlineImage(image, part.image.sha256, escapeAlt(part.image.name)));
    }
    const note =
      message.status === 'failed'
        ? `*(Failed: ${message.error?.message ?? 'unknown error'})*`
        : STATUS_NOTE[message.status];
    if (note) blocks.push(note);
    const lowered = message.stats?.lowered?.length ?? 0;
    if (lowered > 0) {
      // Each image above shows as attached; this answer got the earlier ones at Low (the thread's choice).
      const questions = lowered === 1 ? '1 earlier question' : `${lowered} earlier questions`;
      blocks.push(`*(Sent with the images of ${questions} at Low detail, to fit the context window.)*`);
    }
  }
  return { filename: `${slugify(title)}.md`, content: blocks.join('\n\n') + '\n' };
}

const escapeAlt = (text: string) => text.replace(/[\\[\]]/g, '\\$&');

function inlineImage(image: ImageLookup, sha256: string, alt: string): string {
  const found = image(sha256);
  return found?.data
    ? `![${alt}](data:${found.meta.mime};base64,${Buffer.from(found.data).toString('base64')})`
    : `*(Image not found: ${alt})*`;
}

export const EXPORT_FORMAT = 'tessera-thread';
export const EXPORT_VERSION = 1;

/**
 * `messages` is the whole tree; each image appears once, with its bytes in base64 (null if missing). An
 * answer with recorded token probabilities carries them as `confidence` ({text, p, alternatives} per token).
 */
export function toJson(
  thread: Thread,
  messages: Message[],
  image: ImageLookup,
  exportedAt: number,
  confidence: (messageId: string) => TokenConfidence[] | null = () => null,
) {
  const images: Record<string, ExportImage['meta'] & { data: string | null }> = {};
  for (const message of messages) {
    for (const part of message.parts) {
      if (part.type === 'video') {
        // The frames are stored images (PNG at the planned size); the part lists them by hash.
        for (const [i, frame] of part.video.frames.entries()) {
          if (frame.sha256 in images) continue;
          const found = image(frame.sha256);
          images[frame.sha256] = found
            ? { ...found.meta, data: found.data ? Buffer.from(found.data).toString('base64') : null }
            : {
                sha256: frame.sha256,
                name: `${part.video.name} frame ${i + 1}`,
                mime: 'image/png',
                width: 0,
                height: 0,
                bytes: 0,
                data: null,
              };
        }
        continue;
      }
      if (part.type !== 'image' || part.image.sha256 in images) continue;
      const found = image(part.image.sha256);
      const { detail: _detail, ...ref } = part.image;
      images[part.image.sha256] = found
        ? { ...found.meta, data: found.data ? Buffer.from(found.data).toString('base64') : null }
        : { ...ref, bytes: 0, data: null };
    }
  }
  const withConfidence = messages.map((message) => {
    const tokens = message.role === 'assistant' ? confidence(message.id) : null;
    return tokens ? { ...message, confidence: tokens } : message;
  });
  const document = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt,
    thread,
    messages: withConfidence,
    images,
  };
  const title = isUntitled(thread.title) ? 'Untitled chat' : thread.title;
  return { filename: `${slugify(title)}.json`, content: JSON.stringify(document, null, 2) + '\n' };
}
