/**
 * Drafts: the composer's unsent question is saved per thread (drafts.save), so a reload or a crash keeps it,
 * and restored when a thread is opened. Bound to the store outside React, like events.ts.
 *
 * - Typing is saved once it pauses (`delayMs`); attaching or removing an image, changing a detail, or a video
 *   card becoming ready or going, at once. A ready video is kept as its video part (frames are stored images).
 * - Opening another thread saves the one left first, then empties the composer and restores the new one's.
 * - A restore that arrives after the user started typing or attaching is dropped: what they write wins.
 * - With no thread open (an empty app), the first save creates one, as Send would.
 */
import type { Api, Draft, RequestInput } from '../../app/ipc/contract.ts';
import { draftVideoOf } from './slices/videos.ts';
import type { AppState, AppStore } from './store.ts';

export const DRAFT_SAVE_DELAY_MS = 400;

type Saved = Omit<RequestInput<'drafts.save'>, 'threadId'>;

/** What a draft keeps of the composer: its text, its stored images with their detail, its ready videos. */
function draftOf(state: Pick<AppState, 'draft' | 'attachments' | 'videos'>): Saved {
  const images: Saved['images'] = [];
  for (const a of state.attachments)
    if (a.status === 'ready' && a.image) images.push({ sha256: a.image.sha256, detail: a.detail });
  const videos: NonNullable<Saved['videos']> = [];
  for (const v of state.videos) {
    const video = draftVideoOf(v);
    if (video) videos.push(video);
  }
  return { text: state.draft, images, videos };
}

const EMPTY: Saved = { text: '', images: [], videos: [] };
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isEmpty = (draft: Saved) =>
  draft.text === '' && draft.images.length === 0 && (draft.videos ?? []).length === 0;
const savedOf = (draft: Draft | null): Saved =>
  draft
    ? {
        text: draft.text,
        images: draft.images.map(({ sha256, detail }) => ({ sha256, detail })),
        // A dropped video is not in the draft any more: the next save leaves it out as well.
        videos: draft.videos,
      }
    : EMPTY;

export interface DraftBinding {
  /** Saves a pending change now (the page is going away). */
  flush(): void;
  stop(): void;
}

export function bindDrafts(api: Api, store: AppStore, delayMs = DRAFT_SAVE_DELAY_MS): DraftBinding {
  let threadId = store.getState().currentThreadId;
  /** What the services hold for `threadId`, as far as this window knows. */
  let saved: Saved = EMPTY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Counts the user's changes, so a restore can tell it arrived too late. */
  let edits = 0;

  function cancel(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  function flush(): void {
    cancel();
    const draft = draftOf(store.getState());
    if (same(draft, saved)) return;
    if (threadId === null) {
      // An empty app: the draft needs a thread, created as Send would (the switch below then saves it).
      if (!isEmpty(draft)) void store.getState().newThread();
      return;
    }
    saved = draft;
    void api['drafts.save']({ threadId, ...draft });
  }

  async function restore(id: string): Promise<void> {
    const before = edits;
    const result = await api['drafts.get']({ threadId: id });
    if (!result.ok || store.getState().currentThreadId !== id || edits !== before) return;
    saved = savedOf(result.value);
    if (result.value) store.getState().restoreDraft(result.value);
  }

  function switchTo(next: string | null): void {
    const composer = draftOf(store.getState());
    if (threadId === null && next !== null && !isEmpty(composer)) {
      // The thread was made for what is in the composer (a first save or a send): it is that thread's.
      threadId = next;
      saved = EMPTY;
      flush();
      return;
    }
    flush(); // the thread left keeps what was typed in it
    threadId = next;
    saved = EMPTY;
    store.getState().clearComposer();
    if (next !== null) void restore(next);
  }

  const unsubscribe = store.subscribe((state, prev) => {
    if (state.currentThreadId !== threadId) return switchTo(state.currentThreadId);
    if (state.draft === prev.draft && state.attachments === prev.attachments && state.videos === prev.videos)
      return;
    const draft = draftOf(state);
    const before = draftOf(prev);
    if (same(draft, before)) return; // plans or previews arrived: nothing a draft keeps
    edits++;
    if (!same(draft.images, before.images) || !same(draft.videos, before.videos)) flush();
    else {
      cancel();
      timer = setTimeout(flush, delayMs);
    }
  });

  // At start the composer is empty: show the open thread's draft, if one is open already.
  if (threadId !== null) void restore(threadId);

  return {
    flush,
    stop: () => {
      cancel();
      unsubscribe();
    },
  };
}
