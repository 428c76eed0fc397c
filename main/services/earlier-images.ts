/**
 * "Earlier images at Low detail": when a conversation no longer fits the context window, the images of the
 * questions before the newest one can go to the model at Low detail instead of leaving turns out. Nothing
 * is lost: each image keeps its own detail in the history (exports and the tile view show it), the choice is
 * the thread's (`Thread.earlierImagesLow`, undone there), and each answer's stats name the questions whose
 * images it got at Low (`GenerationStats.lowered`). The newest question's images keep their detail: that is
 * what the user is asking about now.
 */
import type { MessagePart, TokenEstimate } from '../../app/ipc/contract.ts';

interface Asked {
  id: string;
  role: 'user' | 'assistant';
  parts: readonly MessagePart[];
}

/**
 * The path with every image before its last question at Low detail, and the ids of the questions that had
 * an image changed (in conversation order). Messages without such an image are returned as they are.
 */
export function earlierImagesAtLow<M extends Asked>(path: readonly M[]): { path: M[]; lowered: string[] } {
  const newest = path.findLastIndex((m) => m.role === 'user');
  const lowered: string[] = [];
  const out = path.map((message, index) => {
    if (index >= newest || !message.parts.some(isLowerable)) return message;
    lowered.push(message.id);
    const parts = message.parts.map((part) =>
      isLowerable(part) ? { ...part, image: { ...part.image, detail: 'low' as const } } : part,
    );
    return { ...message, parts };
  });
  return { path: out, lowered };
}

const isLowerable = (part: MessagePart): part is Extract<MessagePart, { type: 'image' }> =>
  part.type === 'image' && part.image.detail !== 'low';

/**
 * The estimate of a prompt, with what sending earlier images at Low detail would make of it when that is
 * worth offering: only when the prompt does not fit and some earlier image is not at Low already. `count`
 * measures a path (the engine's exact count where it can, else the estimate).
 */
export async function withEarlierAtLow<M extends Asked>(
  path: readonly M[],
  count: (path: readonly M[]) => Promise<TokenEstimate>,
): Promise<TokenEstimate> {
  const estimate = await count(path);
  if (estimate.fits) return estimate;
  const lowered = earlierImagesAtLow(path);
  if (lowered.lowered.length === 0) return estimate;
  const { promptTokens, fits } = await count(lowered.path);
  return { ...estimate, earlierAtLow: { promptTokens, fits } };
}
