/**
 * A thread is a tree of messages; what the user sees is one branch — the path from the root to the thread's
 * current leaf — plus, at each step, which version (sibling) of that message it is.
 */
import type { Message } from '../../app/ipc/contract.ts';

export interface MessageTree {
  byId: ReadonlyMap<string, Message>;
  /** Children per parent id ('' for roots), oldest first. */
  children: ReadonlyMap<string, readonly Message[]>;
}

const ROOT = '';

/** Indexes a thread's messages; `messages` come oldest first, so sibling order is creation order. */
export function buildTree(messages: readonly Message[]): MessageTree {
  const byId = new Map<string, Message>();
  const children = new Map<string, Message[]>();
  for (const message of messages) {
    byId.set(message.id, message);
    const key = message.parentId ?? ROOT;
    const list = children.get(key);
    if (list) list.push(message);
    else children.set(key, [message]);
  }
  return { byId, children };
}

/**
 * Root → leaf. A missing link (a parent not loaded) ends the walk there; a cycle — never written by the
 * store, but a broken file should not hang the UI — is cut at the first repeat.
 */
export function branchPath(tree: MessageTree, leafId: string | null): Message[] {
  const path: Message[] = [];
  const seen = new Set<string>();
  let id = leafId;
  while (id !== null && !seen.has(id)) {
    seen.add(id);
    const message = tree.byId.get(id);
    if (!message) break;
    path.push(message);
    id = message.parentId;
  }
  return path.reverse();
}

export interface SiblingInfo {
  /** 1-based position among the versions. */
  index: number;
  count: number;
  previous: Message | null;
  next: Message | null;
}

export function siblingInfo(tree: MessageTree, message: Message): SiblingInfo {
  const siblings = tree.children.get(message.parentId ?? ROOT) ?? [message];
  const at = Math.max(
    0,
    siblings.findIndex((m) => m.id === message.id),
  );
  return {
    index: at + 1,
    count: siblings.length,
    previous: siblings[at - 1] ?? null,
    next: siblings[at + 1] ?? null,
  };
}

/** The text of a message's text parts, joined as the model saw them. */
export function messageText(message: Pick<Message, 'parts'>): string {
  return message.parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('\n\n');
}
