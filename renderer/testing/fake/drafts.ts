/** drafts.*: unsent questions by thread, images described by the fake's image table, cleared by a send. */
import type { ImageRef } from '../../../app/ipc/contract.ts';
import { liveThread } from './threads.ts';
import { type FakeState, type Handler, type HandlersOf, err, ok } from './state.ts';

export function draftHandlers(state: FakeState): HandlersOf<'drafts.get' | 'drafts.save'> {
  const { drafts, images } = state;
  return {
    'drafts.get': ({ threadId }) =>
      liveThread(state, threadId) ? ok(drafts.get(threadId) ?? null) : err('NOT_FOUND', 'No such thread.'),
    'drafts.save': ({ threadId, text, images: wanted }) => {
      if (!liveThread(state, threadId)) return err('NOT_FOUND', 'No such thread.');
      const refs: ImageRef[] = [];
      for (const { sha256, detail } of wanted) {
        const stored = images.get(sha256);
        if (!stored) return err('NOT_FOUND', 'No such image.');
        refs.push({ ...stored.ref, detail });
      }
      if (text === '' && refs.length === 0) {
        drafts.delete(threadId);
        return ok(null);
      }
      const draft = { text, images: refs, updatedAt: state.tick() };
      drafts.set(threadId, draft);
      return ok(draft);
    },
  };
}

/** chat.send, then the thread's draft goes, as the services do. */
export function sendClearingDraft(state: FakeState, send: Handler<'chat.send'>): Handler<'chat.send'> {
  return async (input) => {
    const result = await send(input);
    if (result.ok) state.drafts.delete(input.threadId);
    return result;
  };
}
