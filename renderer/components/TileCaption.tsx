/**
 * The tile view's hover/focus caption. It floats over the page (a portal to <body>, fixed position) so no
 * scrolling strip or dialog clips it, and it is placed whole inside the viewport: above its anchor, else
 * below, else over it (`placeCaption`), again whenever the page scrolls or the window resizes.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { placeCaption } from '../lib/tile-layout.ts';
import type { CaptionSide } from '../lib/tile-layout.ts';

export function TileCaption({ text, anchor }: { text: string; anchor: HTMLElement | null }) {
  const ref = useRef<HTMLDivElement>(null);
  const [place, setPlace] = useState<{ left: number; top: number; side: CaptionSide } | null>(null);

  useLayoutEffect(() => {
    const caption = ref.current;
    if (!caption || !anchor) return;
    const measure = () => {
      const box = anchor.getBoundingClientRect();
      setPlace(
        placeCaption(
          { left: box.left, top: box.top, width: box.width, height: box.height },
          { width: caption.offsetWidth, height: caption.offsetHeight },
          { width: window.innerWidth, height: window.innerHeight },
        ),
      );
    };
    measure();
    window.addEventListener('scroll', measure, true);
    window.addEventListener('resize', measure);
    return () => {
      window.removeEventListener('scroll', measure, true);
      window.removeEventListener('resize', measure);
    };
  }, [anchor, text]);

  return createPortal(
    <div
      ref={ref}
      className="tile-tooltip"
      data-testid="tile-hover-caption"
      data-side={place?.side}
      aria-hidden="true"
      // Measured first where it cannot be seen, then placed.
      style={place ? { left: place.left, top: place.top } : { left: 0, top: 0, visibility: 'hidden' }}
    >
      {text}
    </div>,
    document.body,
  );
}
