import type { Draft, ImageRef, RequestInput, TokenEstimate } from '../../../app/ipc/contract.ts';
import type { Detail, TilePlan } from '../../../app/tile-plan.ts';
import { attachmentProblem, namePastedFiles, readBytes } from '../../lib/attachments.ts';
import { describeError } from '../../lib/errors.ts';
import { titleFrom } from '../../lib/format.ts';
import { isVideoFile } from '../../lib/video-frames.ts';
import type { AppState, SliceCreator } from '../store.ts';
import { NEW_THREAD_TITLE } from './threads.ts';
import { isVideoBusy, videoRefOf } from './videos.ts';

export interface Attachment {
  /** Local identity; the same image may be attached twice. */
  key: string;
  name: string;
  size: number;
  /** blob: URL of the local file, for the thumbnail before (and while) it is stored. */
  previewUrl: string | null;
  status: 'uploading' | 'ready' | 'error';
  error: string | null;
  image: ImageRef | null;
  /** Sent with the image; changing it asks for that detail's plan. */
  detail: Detail;
  /** Plans per detail: the one for `detail` is drawn, the other gives the trade-off on the toggle. */
  plans: Partial<Record<Detail, TilePlan>>;
}

export interface EstimateState {
  value: TokenEstimate | null;
  loading: boolean;
  error: string | null;
}

/** Where files came from: pasted ones are named "Pasted image N"; the others keep their file's name. */
export type AttachOrigin = 'paste' | 'drop' | 'picker' | 'crop';

/**
 * A new image held in the renderer's memory only, waiting in the Redact dialog (the "redact new images
 * before attaching them" setting): nothing of it is sent to the services until the user decides.
 */
export interface PendingImage {
  key: string;
  name: string;
  file: File;
  /** blob: URL of the file, released once it is decided. */
  url: string;
}

export interface ComposerSlice {
  draft: string;
  attachments: Attachment[];
  /** Files pasted into this draft so far ("Pasted image N"); back to 0 when it is sent or replaced. */
  pastedCount: number;
  /** New images waiting for their redaction; the first one is shown ("n of m" counts `pendingDone` too). */
  pending: PendingImage[];
  /** How many of the images queued since the queue was last empty have been decided. */
  pendingDone: number;
  estimate: EstimateState;
  sending: boolean;
  setDraft(text: string): void;
  /**
   * Adds files in order and starts storing them at once (the engine begins encoding then). With the
   * `redactBeforeAttach` setting, new images (not crops of stored ones) wait in `pending` instead.
   */
  addFiles(files: readonly File[], origin: AttachOrigin): void;
  /**
   * Decides the first pending image: attaches `file` (its redaction, or the original as is) under its own
   * name, or nothing (null: cancelled).
   */
  settlePending(file: File | null): void;
  removeAttachment(key: string): void;
  /**
   * Puts `file` in an attachment's place (its redaction), with the same detail, and stores it. The replaced
   * image is then discarded from the store unless something else holds it (a message, a draft, another
   * card), so the original of a redaction made before sending does not stay on disk. True once stored.
   */
  replaceAttachment(key: string, file: File): Promise<boolean>;
  setAttachmentDetail(key: string, detail: Detail): Promise<void>;
  /** Fetches plans again for every attachment (after a model switch). */
  replanAttachments(): Promise<void>;
  refreshEstimate(): Promise<void>;
  send(): Promise<boolean>;
  /** Empties the composer (another thread opened); its stored images' previews stay cached. */
  clearComposer(): void;
  /** Shows a thread's saved draft: its text, and its images as ready cards with their plans fetched again. */
  restoreDraft(draft: Draft): void;
}

type Content = RequestInput<'chat.send'>['content'];

export const DEFAULT_DETAIL: Detail = 'high';

/** Videos, then images, in their visible order (Image 1, Image 2, …), then the text. */
export function buildContent(state: Pick<AppState, 'draft' | 'attachments' | 'videos'>): Content {
  const content: Content = [];
  for (const video of state.videos) {
    const ref = videoRefOf(video);
    if (ref) content.push({ type: 'video', video: ref });
  }
  for (const attachment of state.attachments) {
    if (attachment.status === 'ready' && attachment.image)
      content.push({ type: 'image', image: { sha256: attachment.image.sha256, detail: attachment.detail } });
  }
  const text = state.draft.trim();
  if (text) content.push({ type: 'text', text });
  return content;
}

export function canSend(state: Pick<AppState, 'draft' | 'attachments' | 'videos' | 'sending'>): boolean {
  if (state.sending) return false;
  if (state.attachments.some((a) => a.status === 'uploading')) return false;
  if (state.videos.some(isVideoBusy)) return false;
  return buildContent(state).length > 0;
}

const other = (detail: Detail): Detail => (detail === 'high' ? 'low' : 'high');

export const createComposerSlice: SliceCreator<ComposerSlice> = ({ api, images }) => {
  let nextKey = 1;
  let estimateSeq = 0;
  return (set, get) => {
    function update(key: string, change: (a: Attachment) => Partial<Attachment>): void {
      set((state) => ({
        attachments: state.attachments.map((a) => (a.key === key ? { ...a, ...change(a) } : a)),
      }));
    }
    const find = (key: string) => get().attachments.find((a) => a.key === key);

    // A stored image's preview is handed to the URL cache (a restored draft shows it again); a local one,
    // never stored, is released. A URL the cache already holds is never released here.
    function dropPreview(attachment: Attachment): void {
      const { previewUrl, image } = attachment;
      if (!previewUrl || (image && images.peek(image.sha256) === previewUrl)) return;
      if (image && attachment.status === 'ready') images.adopt(image.sha256, previewUrl);
      else images.release(previewUrl);
    }

    async function fetchPlan(key: string, detail: Detail): Promise<void> {
      const attachment = find(key);
      if (!attachment?.image || attachment.plans[detail]) return;
      const result = await api['images.plan']({ sha256: attachment.image.sha256, detail });
      if (result.ok) update(key, (a) => ({ plans: { ...a.plans, [detail]: result.value } }));
    }

    async function upload(key: string, file: File): Promise<void> {
      let data: Uint8Array;
      try {
        data = await readBytes(file);
      } catch {
        update(key, () => ({ status: 'error', error: 'Could not read the file' }));
        return;
      }
      const before = find(key);
      if (!before) return;
      const result = await api['images.attach']({ name: before.name, data, detail: before.detail });
      const after = find(key);
      if (!after) return;
      if (!result.ok) {
        update(key, () => ({ status: 'error', error: describeError(result.error) }));
        return;
      }
      const { image, plan } = result.value;
      // No plan: a remote model whose family Tessera does not know (the tile view says so).
      update(key, () => ({ status: 'ready', image, plans: plan ? { [plan.detail]: plan } : {} }));
      // The detail may have changed during the upload; also fetch the other one for the toggle's numbers.
      await fetchPlan(key, after.detail);
      await fetchPlan(key, other(after.detail));
    }

    return {
      draft: '',
      attachments: [],
      pastedCount: 0,
      pending: [],
      pendingDone: 0,
      estimate: { value: null, loading: false, error: null },
      sending: false,

      setDraft(draft) {
        set({ draft });
      },

      addFiles(all, origin) {
        // Crops are cut from images already stored; only new images can be kept out of the store.
        const redactFirst = Boolean(get().settings?.redactBeforeAttach) && origin !== 'crop';
        // Videos get a card of their own (slices/videos.ts); the rest are images.
        all.filter(isVideoFile).forEach((file) => get().addVideo(file));
        const files = all.filter((file) => !isVideoFile(file));
        if (files.length === 0) return;
        const state = get();
        const named =
          origin === 'paste'
            ? namePastedFiles(files, state.pastedCount, [
                ...state.attachments.map((a) => a.name),
                ...state.pending.map((p) => p.name),
              ])
            : { names: files.map((f) => f.name || 'image'), count: state.pastedCount };
        const waiting: PendingImage[] = [];
        const added = files.flatMap((file, i): Array<Attachment & { file: File }> => {
          const problem = attachmentProblem(file);
          const name = named.names[i] ?? file.name;
          if (redactFirst && !problem) {
            waiting.push({ key: `pending-${nextKey++}`, name, file, url: images.fromFile(file) });
            return [];
          }
          return [
            {
              key: `attachment-${nextKey++}`,
              name,
              size: file.size,
              previewUrl: problem ? null : images.fromFile(file),
              status: problem ? 'error' : 'uploading',
              error: problem,
              image: null,
              detail: DEFAULT_DETAIL,
              plans: {},
              file,
            },
          ];
        });
        set({
          attachments: [...state.attachments, ...added.map(({ file: _file, ...a }) => a)],
          pending: [...state.pending, ...waiting],
          pastedCount: named.count,
        });
        added.forEach(({ key, status, file }) => {
          if (status === 'uploading') void upload(key, file);
        });
      },

      settlePending(file) {
        const [first, ...rest] = get().pending;
        if (!first) return;
        images.release(first.url);
        set((state) => ({ pending: rest, pendingDone: rest.length === 0 ? 0 : state.pendingDone + 1 }));
        if (!file) return;
        // A redaction is a new PNG, which may be larger than the original was.
        const problem = attachmentProblem(file);
        const attachment: Attachment = {
          key: `attachment-${nextKey++}`,
          name: file === first.file ? first.name : file.name,
          size: file.size,
          previewUrl: problem ? null : images.fromFile(file),
          status: problem ? 'error' : 'uploading',
          error: problem,
          image: null,
          detail: DEFAULT_DETAIL,
          plans: {},
        };
        set((state) => ({ attachments: [...state.attachments, attachment] }));
        if (!problem) void upload(attachment.key, file);
      },

      removeAttachment(key) {
        const attachment = find(key);
        if (attachment?.previewUrl && images.peek(attachment.image?.sha256 ?? '') !== attachment.previewUrl)
          images.release(attachment.previewUrl);
        set((state) => ({ attachments: state.attachments.filter((a) => a.key !== key) }));
      },

      async replaceAttachment(key, file) {
        const old = find(key);
        if (!old) return false;
        const problem = attachmentProblem(file);
        const replacement: Attachment = {
          key: `attachment-${nextKey++}`,
          name: file.name,
          size: file.size,
          previewUrl: problem ? null : images.fromFile(file),
          status: problem ? 'error' : 'uploading',
          error: problem,
          image: null,
          detail: old.detail,
          plans: {},
        };
        // The draft is saved without the old image at once (drafts.ts), before the discard below is asked.
        set((state) => ({ attachments: state.attachments.map((a) => (a.key === key ? replacement : a)) }));
        if (old.previewUrl && images.peek(old.image?.sha256 ?? '') !== old.previewUrl)
          images.release(old.previewUrl);
        if (!problem) await upload(replacement.key, file);
        const stored = find(replacement.key);
        const original = old.image?.sha256;
        if (original && !get().attachments.some((a) => a.image?.sha256 === original)) {
          const result = await api['images.discard']({ sha256: original });
          // CONFLICT: sent before, or in another thread's draft; it was stored then, and stays.
          if (!result.ok && result.error.code !== 'CONFLICT')
            get().pushToast({
              message: `The original of ${old.name} could not be removed: ${describeError(result.error)}`,
              tone: 'error',
            });
        }
        return stored?.status === 'ready';
      },

      async setAttachmentDetail(key, detail) {
        update(key, () => ({ detail }));
        await fetchPlan(key, detail);
      },

      async replanAttachments() {
        set((state) => ({ attachments: state.attachments.map((a) => ({ ...a, plans: {} })) }));
        await Promise.all(
          get().attachments.map(async (a) => {
            await fetchPlan(a.key, a.detail);
            await fetchPlan(a.key, other(a.detail));
          }),
        );
      },

      async refreshEstimate() {
        const state = get();
        const threadId = state.currentThreadId;
        let content = buildContent(state);
        // With nothing typed, estimate the conversation alone: "how full is the context already".
        if (content.length === 0 && state.current && state.current.messages.length > 0)
          content = [{ type: 'text', text: '' }];
        const seq = ++estimateSeq;
        if (!threadId || content.length === 0) {
          set({ estimate: { value: null, loading: false, error: null } });
          return;
        }
        set((s) => ({ estimate: { ...s.estimate, loading: true } }));
        const result = await api['chat.estimate']({
          threadId,
          parentId: state.current?.thread.currentLeafId ?? null,
          content,
        });
        if (seq !== estimateSeq) return;
        set({
          estimate: result.ok
            ? { value: result.value, loading: false, error: null }
            : { value: null, loading: false, error: describeError(result.error) },
        });
      },

      clearComposer() {
        get().videos.forEach((video) => get().removeVideo(video.key));
        get().attachments.forEach(dropPreview);
        set({ draft: '', attachments: [], pastedCount: 0 });
      },

      restoreDraft(saved) {
        const restored = saved.images.map((image): Attachment => ({
          key: `attachment-${nextKey++}`,
          name: image.name,
          size: 0, // not known without the bytes; nothing shows it
          previewUrl: images.peek(image.sha256) ?? null,
          status: 'ready',
          error: null,
          image,
          detail: image.detail,
          plans: {},
        }));
        get().attachments.forEach(dropPreview);
        set({ draft: saved.text, attachments: restored, pastedCount: 0 });
        get().restoreVideos(saved.videos, saved.droppedVideos);
        for (const { key, image, detail, previewUrl } of restored) {
          if (!previewUrl && image)
            void images
              .load(image.sha256, image.mime)
              .then((url) => url && update(key, () => ({ previewUrl: url })));
          // The plans are the active model's, which may not be the one the draft was written under.
          void fetchPlan(key, detail).then(() => fetchPlan(key, other(detail)));
        }
      },

      async send() {
        const state = get();
        if (!canSend(state)) return false;
        const content = buildContent(state);
        const snapshot = { draft: state.draft, attachments: state.attachments };
        const sent = state.attachments.filter((a) => a.status === 'ready');
        // Clear at once so the composer is ready for the next question; put it back if sending fails.
        set({
          sending: true,
          draft: '',
          attachments: state.attachments.filter((a) => a.status !== 'ready'),
          pastedCount: 0,
        });

        let thread = state.current?.thread ?? null;
        if (!thread) thread = await get().newThread();
        const result = thread
          ? await api['chat.send']({ threadId: thread.id, parentId: thread.currentLeafId, content })
          : null;
        if (!thread || !result?.ok) {
          set((s) => ({
            sending: false,
            draft: s.draft || snapshot.draft,
            attachments: s.attachments.length ? s.attachments : snapshot.attachments,
          }));
          if (result && !result.ok)
            get().pushToast({ message: `Not sent: ${describeError(result.error)}`, tone: 'error' });
          return false;
        }
        set({ sending: false });
        // The sent videos' frames are stored images now: the message shows them.
        state.videos.filter((v) => videoRefOf(v)).forEach((video) => get().removeVideo(video.key));
        for (const attachment of sent) {
          if (attachment.previewUrl && attachment.image)
            images.adopt(attachment.image.sha256, attachment.previewUrl);
        }
        const { userMessage, assistantMessage } = result.value;
        get().upsertMessages([userMessage, assistantMessage], assistantMessage.id);
        // Name a new thread after its first question, unless the services already did.
        if (thread.currentLeafId === null && thread.title === NEW_THREAD_TITLE) {
          const title = titleFrom(
            snapshot.draft,
            sent.map((a) => a.name),
          );
          if (title !== NEW_THREAD_TITLE) void get().renameThread(thread.id, title);
        }
        return true;
      },
    };
  };
};
