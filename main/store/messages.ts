/** Pure helpers for message rows: decoding, folding streamed text, and titles from a first question. */
import type { GenerationStats } from '../../app/chat.ts';
import type { Message, MessagePart, MessageStatus, WireError } from '../../app/ipc/contract.ts';

export interface MessageRow {
  id: string;
  thread_id: string;
  parent_id: string | null;
  role: 'user' | 'assistant';
  parts: string;
  tail: string;
  status: MessageStatus;
  created_at: number;
  stats: string | null;
  error: string | null;
}

/** Streamed text goes at the end of the last text part (a new one when there is none). */
export function foldTail(parts: MessagePart[], tail: string): MessagePart[] {
  if (tail === '') return parts;
  const out = [...parts];
  for (let i = out.length - 1; i >= 0; i--) {
    const part = out[i];
    if (part?.type === 'text') {
      out[i] = { type: 'text', text: part.text + tail };
      return out;
    }
  }
  out.push({ type: 'text', text: tail });
  return out;
}

/** The row's parts with its streamed tail folded in, as stored JSON. */
export function foldedParts(row: MessageRow): string {
  return JSON.stringify(foldTail(JSON.parse(row.parts) as MessagePart[], row.tail));
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    threadId: row.thread_id,
    parentId: row.parent_id,
    role: row.role,
    parts: foldTail(JSON.parse(row.parts) as MessagePart[], row.tail),
    status: row.status,
    createdAt: row.created_at,
    stats: row.stats === null ? null : (JSON.parse(row.stats) as GenerationStats),
    error: row.error === null ? null : (JSON.parse(row.error) as WireError),
  };
}

export const UNTITLED = 'New chat';
const TITLE_MAX = 60;

export function isUntitled(title: string): boolean {
  return title === '' || title === UNTITLED;
}

/** A thread title from a question: one line, at most 60 characters, cut at a word boundary. */
export function titleFromText(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= TITLE_MAX) return line;
  const room = TITLE_MAX - 1; // keep one character for the ellipsis
  let cut = line.lastIndexOf(' ', room);
  if (cut < room / 2) cut = room; // one very long word: cut inside it rather than leave a stub
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(line.charAt(cut - 1))) cut--;
  return line.slice(0, cut).trimEnd() + '…';
}

/** The first non-empty text of a message, if any. */
export function firstText(parts: MessagePart[]): string | null {
  for (const part of parts) if (part.type === 'text' && part.text.trim() !== '') return part.text;
  return null;
}
