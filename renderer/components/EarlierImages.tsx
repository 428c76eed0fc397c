/**
 * "Lower the detail of earlier images": when a conversation no longer fits, the thread can send the images
 * of its earlier questions at Low detail (`Thread.earlierImagesLow`; each keeps its own detail in the
 * history). Offered only where the services counted that it would make the prompt fit
 * (`TokenEstimate.earlierAtLow`): in the meter's over-limit message and beside a failed answer's context
 * error. While it is on, the composer says so with a way to undo it.
 */
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { Message, RequestInput } from '../../app/ipc/contract.ts';
import { formatInt } from '../lib/format.ts';
import { useActions, useApp, useServices } from '../state/context.tsx';

export const LOWER_LABEL = 'Lower the detail of earlier images';

/**
 * Turns the thread's choice on, then runs `next` if it took (a failed save has already shown a toast).
 * `pending` holds the button disabled meanwhile, so a double click cannot retry twice.
 */
function useLowerEarlierImages(next: () => Promise<void>): { lower: () => void; pending: boolean } {
  const { store } = useServices();
  const { updateThread } = useActions();
  const [pending, setPending] = useState(false);
  const lower = () => {
    setPending(true);
    void (async () => {
      try {
        await updateThread({ earlierImagesLow: true });
        if (store.getState().current?.thread.earlierImagesLow === true) await next();
      } finally {
        setPending(false);
      }
    })();
  };
  return { lower, pending };
}

/** The meter's button: the draft fits once earlier images go at Low detail (`promptTokens` then). */
export function LowerEarlierImagesButton({ promptTokens }: { promptTokens: number }) {
  const { refreshEstimate } = useActions();
  const { lower, pending } = useLowerEarlierImages(refreshEstimate);
  return (
    <button
      type="button"
      className="button small"
      data-testid="lower-earlier-images"
      title={`With earlier images at Low detail the prompt takes ${formatInt(promptTokens)} tokens`}
      disabled={pending}
      onClick={lower}
    >
      {LOWER_LABEL}
    </button>
  );
}

const useEarlierImagesLow = () => useApp((s) => s.current?.thread.earlierImagesLow === true);

/** Undoes the thread's choice: earlier images go at their own detail again. */
function UndoButton({ testId }: { testId: string }) {
  const { updateThread, refreshEstimate } = useActions();
  return (
    <button
      type="button"
      className="link-button"
      data-testid={testId}
      onClick={() => void updateThread({ earlierImagesLow: false }).then(() => refreshEstimate())}
    >
      Send them at their own detail
    </button>
  );
}

/** While the thread sends earlier images at Low detail: says so in the composer, and undoes it. */
export function EarlierImagesNote() {
  if (!useEarlierImagesLow()) return null;
  return (
    <span className="earlier-images-note" data-testid="earlier-images-note">
      Earlier images go to the model at Low detail to fit the context window.
      <UndoButton testId="earlier-images-undo" />
    </span>
  );
}

/** A question whose images the latest answer got at Low detail: marked, with the undo while it is on. */
export function SentLowMark({ children }: { children: ReactNode }) {
  const on = useEarlierImagesLow();
  return (
    <div className="sent-low" data-testid="sent-low">
      <p className="sent-low-note">
        Images sent at Low detail in the latest answer’s prompt, to fit the context window
        {on && (
          <>
            {' · '}
            <UndoButton testId="sent-low-undo" />
          </>
        )}
      </p>
      {children}
    </div>
  );
}

/** The question's parts as a request's content (images by hash, at the detail they were sent with). */
function contentOf(question: Message): RequestInput<'chat.estimate'>['content'] {
  return question.parts.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : part.type === 'video'
        ? { type: 'video', video: part.video }
        : { type: 'image', image: { sha256: part.image.sha256, detail: part.image.detail } },
  );
}

/**
 * Beside a failed answer's "does not fit" error: "Lower the detail of earlier images and retry", shown only
 * when the services count that its question then fits.
 */
export function LowerAndRetry({ answer }: { answer: Message }) {
  const { api } = useServices();
  const { retry } = useActions();
  const { lower, pending } = useLowerEarlierImages(() => retry(answer.id));
  const thread = useApp((s) => s.current?.thread ?? null);
  // The question as one string, so a rebuilt tree with the same question does not count it again.
  const asked = useApp((s) => {
    const question = answer.parentId ? s.current?.tree.byId.get(answer.parentId) : undefined;
    return question ? JSON.stringify({ parentId: question.parentId, content: contentOf(question) }) : null;
  });
  const [fitsAt, setFitsAt] = useState<number | null>(null);
  const tooLong = answer.status === 'failed' && answer.error?.code === 'PROMPT_TOO_LONG';
  const threadId = thread?.id ?? null;
  const alreadyLow = thread?.earlierImagesLow === true;

  useEffect(() => {
    setFitsAt(null);
    if (!tooLong || !threadId || alreadyLow || !asked) return;
    let live = true;
    const { parentId, content } = JSON.parse(asked) as Omit<RequestInput<'chat.estimate'>, 'threadId'>;
    void api['chat.estimate']({ threadId, parentId, content }).then((result) => {
      const lowered = result.ok ? result.value.earlierAtLow : undefined;
      if (live && lowered?.fits) setFitsAt(lowered.promptTokens);
    });
    return () => {
      live = false;
    };
  }, [api, tooLong, threadId, alreadyLow, asked]);

  if (fitsAt === null) return null;
  return (
    <button
      type="button"
      className="button"
      data-testid="lower-and-retry"
      title={`With earlier images at Low detail the prompt takes ${formatInt(fitsAt)} tokens`}
      disabled={pending}
      onClick={lower}
    >
      {LOWER_LABEL} and retry
    </button>
  );
}

/** Under an answer that got earlier images at Low detail: how many questions' images (stats.lowered). */
export function LoweredNote({ lowered }: { lowered: readonly string[] | undefined }) {
  const count = lowered?.length ?? 0;
  if (count === 0) return null;
  return (
    <span className="status-note" data-testid="lowered-note">
      Images of {count === 1 ? '1 earlier question' : `${count} earlier questions`} sent at Low detail
    </span>
  );
}
