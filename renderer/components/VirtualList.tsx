/**
 * A windowed list of fixed-height rows: only the rows in view (plus a margin) are in the DOM, so ten
 * thousand threads scroll like ten. Rows carry aria-setsize/aria-posinset so screen readers still know
 * the list's real length.
 */
import { useImperativeHandle, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode, Ref } from 'react';

export interface VirtualListHandle {
  scrollToIndex(index: number): void;
}

/** The rows to render for a scroll position: [start, end). Exported for tests. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan: number,
): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}

export function VirtualList<T>({
  items,
  rowHeight,
  getKey,
  renderRow,
  label,
  testId,
  overscan = 8,
  ref,
}: {
  items: readonly T[];
  rowHeight: number;
  getKey: (item: T) => string;
  renderRow: (item: T, index: number) => ReactNode;
  label: string;
  testId?: string;
  overscan?: number;
  ref?: Ref<VirtualListHandle>;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  // Before layout is measured (and in jsdom, which has no layout) assume a tall window.
  const [height, setHeight] = useState(900);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (el.clientHeight > 0) setHeight(el.clientHeight);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => el.clientHeight > 0 && setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useImperativeHandle(ref, () => ({
    scrollToIndex(index) {
      const el = scroller.current;
      if (!el) return;
      const top = index * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight)
        el.scrollTop = top + rowHeight - el.clientHeight;
      setScrollTop(el.scrollTop);
    },
  }));

  const { start, end } = visibleRange(scrollTop, height, rowHeight, items.length, overscan);
  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const item = items[i] as T; // i < items.length
    rows.push(
      <li
        key={getKey(item)}
        className="virtual-list-row"
        style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}
        aria-setsize={items.length}
        aria-posinset={i + 1}
        data-index={i}
      >
        {renderRow(item, i)}
      </li>,
    );
  }
  return (
    <div ref={scroller} className="virtual-list" onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <ul
        className="virtual-list-inner"
        style={{ height: items.length * rowHeight }}
        aria-label={label}
        data-testid={testId}
      >
        {rows}
      </ul>
    </div>
  );
}
