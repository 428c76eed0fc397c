import { useEffect, useRef } from 'react';
import { nextAnnouncement } from '../lib/announce.ts';
import { messageText } from '../state/branch.ts';
import { useServices } from '../state/context.tsx';
import { selectStreamingId } from '../state/selectors.ts';

/** At most one announcement per this interval while streaming; the rest comes when the answer ends. */
const INTERVAL_MS = 1500;

/**
 * A polite live region that reads answers as they are written. It watches the store directly (no React
 * renders per token) and writes into the region's text.
 */
export function LiveAnnouncer() {
  const { store } = useServices();
  const region = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let tracked: { id: string; spoken: number } | null = null;
    let lastSaid = 0;
    const say = (text: string) => {
      if (text && region.current) region.current.textContent = text;
    };
    return store.subscribe((state) => {
      const streamingId = selectStreamingId(state);
      if (tracked && tracked.id !== streamingId) {
        const message = state.current?.tree.byId.get(tracked.id);
        if (message && message.status !== 'streaming') {
          const rest = nextAnnouncement(messageText(message), tracked.spoken, true).say;
          const note = message.status === 'complete' ? '' : ` Answer ${message.status}.`;
          say(`${rest}${note}`.trim());
        }
        tracked = null;
      }
      if (!streamingId) return;
      tracked ??= { id: streamingId, spoken: 0 };
      const now = Date.now();
      if (now - lastSaid < INTERVAL_MS) return;
      const next = nextAnnouncement(state.streamText[streamingId] ?? '', tracked.spoken, false);
      tracked.spoken = next.spoken;
      if (next.say) {
        say(next.say);
        lastSaid = now;
      }
    });
  }, [store]);

  return <div ref={region} className="visually-hidden" aria-live="polite" data-testid="live-region" />;
}
