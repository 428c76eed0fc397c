/** drafts.*: unsent questions by thread (text, images described by the fake's image table, videos), cleared by a send. */
import type { ImageRef, DraftVideo } from '../../../app/ipc/contract.ts';
import { liveThread } from './threads.ts';
import { type FakeState, type Handler, type HandlersOf, err, ok } from './state.ts';

export function draftHandlers(state: FakeState): HandlersOf<'drafts.get' | 'drafts.save'> {
  const { drafts, images } = state;
  return {
    'drafts.get': ({ threadId }) => {
      if (!liveThread(state, threadId)) return err('NOT_FOUND', 'No such thread.');
      const draft = drafts.get(threadId);
      if (!draft) return ok(null);
      // As the store: a video whose frames are not all stored is left out, by name.
      const stored = (video: DraftVideo) => video.frames.every((f) => images.has(f.sha256));
      return ok({
        ...draft,
        videos: draft.videos.filter(stored),
        droppedVideos: draft.videos.filter((v) => !stored(v)).map((v) => v.name),
      });
    },
    'drafts.save': ({ threadId, text, images: wanted, videos = [] }) => {
      if (!liveThread(state, threadId)) return err('NOT_FOUND', 'No such thread.');
      const refs: ImageRef[] = [];
      for (const { sha256, detail } of wanted) {
        const stored = images.get(sha256);
        if (!stored) return err('NOT_FOUND', 'No such image.');
        refs.push({ ...stored.ref, detail });
      }
      if (videos.some((v) => v.frames.some((f) => !images.has(f.sha256))))
        return err('NOT_FOUND', 'No such image.');
      if (text === '' && refs.length === 0 && videos.length === 0) {
        drafts.delete(threadId);
        return ok(null);
      }
      const draft = { text, images: refs, videos, droppedVideos: [], updatedAt: state.tick() };
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
