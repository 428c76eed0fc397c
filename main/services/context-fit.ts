/**
 * When a conversation no longer fits the model's context window, what is sent: everything (and the engine
 * refuses it, `stop`), or the conversation without its oldest turns (`drop-oldest`), or without the turns
 * after the first (`drop-middle`, keeping what the conversation is about). The question being answered and
 * the system prompt are always sent; a turn (a question and its answer) goes whole, images included. The
 * turns left out stay in the history; the answer's stats name them.
 */
import type { ContextOverflow, Message } from '../../app/ipc/contract.ts';

type Turnable = Pick<Message, 'id' | 'role'>;

/** The path's turns that may be left out, in the order they go: each a question and the answers under it. */
export function droppableTurns<M extends Turnable>(path: readonly M[], policy: ContextOverflow): M[][] {
  const turns: M[][] = [];
  for (const message of path) {
    if (message.role === 'user' || turns.length === 0) turns.push([message]);
    else turns.at(-1)?.push(message);
  }
  const earlier = turns.slice(0, -1); // the last turn holds the question being answered
  if (policy === 'drop-oldest') return earlier;
  if (policy === 'drop-middle') return earlier.slice(1);
  return [];
}

export interface Fitted<M> {
  path: M[];
  /** Ids of the messages left out, in conversation order. */
  dropped: string[];
}

/**
 * The longest path that fits: turns are left out one by one, in the policy's order, until `count(path)` is
 * at most `limit`. If nothing more can go, the last path is returned as it is (the engine then says it is
 * too long, and what to do).
 */
export async function fitToContext<M extends Turnable>(
  path: readonly M[],
  policy: ContextOverflow,
  limit: number,
  count: (path: readonly M[]) => Promise<number>,
): Promise<Fitted<M>> {
  let kept = [...path];
  const dropped: string[] = [];
  if ((await count(kept)) <= limit) return { path: kept, dropped };
  for (const turn of droppableTurns(path, policy)) {
    const ids = new Set(turn.map((m) => m.id));
    kept = kept.filter((m) => !ids.has(m.id));
    dropped.push(...turn.map((m) => m.id));
    if ((await count(kept)) <= limit) break;
  }
  return { path: kept, dropped: path.filter((m) => dropped.includes(m.id)).map((m) => m.id) };
}
