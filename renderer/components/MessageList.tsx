import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { restoreAnchor } from '../lib/scroll-anchor.ts';
import { siblingInfo } from '../state/branch.ts';
import { useApp } from '../state/context.tsx';
import { selectStreamingId } from '../state/selectors.ts';
import { ChevronRightIcon } from './Icons.tsx';
import { MessageItem } from './MessageItem.tsx';

/** Within this many pixels of the end counts as "reading the latest", which keeps following the stream. */
const STICK_PX = 48;

/**
 * The branch shown, root to leaf. It follows a growing answer only while the reader is at the bottom:
 * scrolling up to re-read stops the following, and "Jump to latest" resumes it.
 */
export function MessageList() {
  const current = useApp((s) => s.current);
  const streamingId = useApp(selectStreamingId);
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const lastTop = useRef(0);
  const [atBottom, setAtBottom] = useState(true);

  const items = useMemo(
    () => current?.path.map((message) => ({ message, siblings: siblingInfo(current.tree, message) })) ?? [],
    [current],
  );
  const lastId = items[items.length - 1]?.message.id;
  const threadId = current?.thread.id;

  function toBottom() {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }

  // A new thread, or a new message at the end (a send, a new version): show the end.
  // A version switch keeps the switcher where it was instead (scroll-anchor.ts).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && restoreAnchor(el)) {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
      setAtBottom(stick.current);
      return;
    }
    stick.current = true;
    setAtBottom(true);
    toBottom();
  }, [threadId, lastId]);

  // Growth of the content (streamed text, images loading) keeps the end in view while sticking.
  useEffect(() => {
    const el = content.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (stick.current) toBottom();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Messages the latest answer's prompt left out to fit the context window: marked, never hidden.
  const lastAnswer = [...items].reverse().find((i) => i.message.role === 'assistant')?.message;
  const leftOut = new Set(lastAnswer?.stats?.dropped ?? []);
  const sentLow = new Set(lastAnswer?.stats?.lowered ?? []);
  // Images are numbered across the branch shown, in the order the model reads them.
  const firstImage = new Map<string, number>();
  let imagesBefore = 0;
  for (const { message } of items) {
    firstImage.set(message.id, imagesBefore + 1);
    imagesBefore += message.parts.filter((p) => p.type === 'image').length;
  }

  return (
    <div
      ref={scroller}
      className="message-scroller"
      data-testid="message-list"
      onScroll={(e) => {
        const el = e.currentTarget;
        const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
        // Only a move up (the reader's doing) stops following; layout shifts below the fold (images
        // loading, off-screen messages getting their real height) must not.
        const movedUp = el.scrollTop < lastTop.current - 1;
        lastTop.current = el.scrollTop;
        if (bottom) stick.current = true;
        else if (movedUp) stick.current = false;
        if (stick.current !== atBottom) setAtBottom(stick.current);
      }}
    >
      <div ref={content} className="messages" role="log" aria-label="Conversation" aria-live="off">
        {items.map(({ message, siblings }) => (
          <MessageItem
            key={message.id}
            message={message}
            siblings={siblings}
            busy={streamingId !== null}
            leftOut={leftOut.has(message.id)}
            sentLow={sentLow.has(message.id)}
            firstImage={firstImage.get(message.id) ?? 1}
          />
        ))}
      </div>
      {!atBottom && (
        <button
          type="button"
          className="jump-latest"
          data-testid="jump-latest"
          onClick={() => {
            stick.current = true;
            setAtBottom(true);
            toBottom();
          }}
        >
          Jump to latest <ChevronRightIcon size={14} />
        </button>
      )}
    </div>
  );
}
