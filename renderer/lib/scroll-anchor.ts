/**
 * Keeps a clicked control in place across a re-render that changes the conversation shown: switching a
 * question's version replaces everything below it, and the list would otherwise jump to the end, away from
 * the switcher just clicked. The click remembers where the message was on screen; the list puts the new
 * version there once it is rendered.
 */
interface Anchor {
  /** The message shown in its place after the switch. */
  messageId: string;
  /** Its top on screen before, in CSS pixels. */
  top: number;
}

const pending = new WeakMap<Element, Anchor>();

/** Called on the click: `from` is inside the message being replaced by `messageId`. */
export function rememberAnchor(from: Element, messageId: string): void {
  const scroller = from.closest('.message-scroller');
  const message = from.closest('[data-message-id]') ?? from;
  if (scroller) pending.set(scroller, { messageId, top: message.getBoundingClientRect().top });
}

/** After the render: scrolls so the remembered message is where the old one was. False if none is pending. */
export function restoreAnchor(scroller: HTMLElement): boolean {
  const anchor = pending.get(scroller);
  if (!anchor) return false;
  pending.delete(scroller);
  const target = [...scroller.querySelectorAll<HTMLElement>('[data-message-id]')].find(
    (el) => el.dataset.messageId === anchor.messageId,
  );
  if (!target) return false;
  scroller.scrollTop += target.getBoundingClientRect().top - anchor.top;
  return true;
}
