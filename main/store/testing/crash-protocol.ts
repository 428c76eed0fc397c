/** What the crash-test child (crash-child.ts) reports, shared with the test that reads it. */
import type { MessagePart } from '../../../app/ipc/contract.ts';

export const TOKENS_PER_ANSWER = 300;
export const TURNS_PER_THREAD = 3;

export function token(i: number): string {
  return `w${i} `;
}

/** The answer text after `count` appended tokens. */
export function answerText(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += token(i);
  return text;
}

/** One stdout line each, written only after the store call returned (that is, committed). */
export type Report =
  | {
      type: 'message';
      id: string;
      threadId: string;
      parentId: string | null;
      role: string;
      parts: MessagePart[];
    }
  | { type: 'append'; id: string; count: number }
  | { type: 'finished'; id: string };
