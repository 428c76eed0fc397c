/**
 * drafts.*: each thread's unsent question (text, attached images and their detail, videos), saved by the composer as
 * the user types, so a reload or a crash of the app or the engine does not lose it.
 */
import type { Handlers, ImageRef } from '../../app/ipc/contract.ts';
import type { Store } from '../store/types.ts';
import type { Context } from './context.ts';
import { notFound } from './errors.ts';

type DraftHandlers = Pick<Handlers, 'drafts.get' | 'drafts.save'>;

export function draftHandlers(ctx: Context): DraftHandlers {
  const { store } = ctx;
  return {
    'drafts.get': async ({ threadId }) => {
      // Once per thread opened, as threads.get: a deleted thread's draft is as hidden as the thread.
      if (!store.getThread(threadId)) throw notFound('The thread');
      return store.getDraft(threadId);
    },
    // The store answers NOT_FOUND for a deleted thread (no message list read on every save).
    'drafts.save': async ({ threadId, text, images, videos = [] }) => {
      // Names and sizes come from the image store, not from the renderer.
      const refs = images.map(({ sha256, detail }): ImageRef => {
        const meta = store.getImageMeta(sha256);
        if (!meta) throw notFound('The image');
        return { ...meta, detail };
      });
      // A video's frames are stored images already; the store checks they are there.
      return store.saveDraft(threadId, { text, images: refs, videos });
    },
  };
}

/**
 * chat.send, then the thread's draft goes: its question is a message now. Done here as well as by the
 * composer, so a crash between the send and the composer's save cannot bring a sent question back.
 */
export function sendClearingDraft(store: Store, send: Handlers['chat.send']): Handlers['chat.send'] {
  return async (input) => {
    const sent = await send(input);
    store.clearDraft(input.threadId);
    return sent;
  };
}
