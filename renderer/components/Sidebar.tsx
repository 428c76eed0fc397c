import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useActions, useApp } from '../state/context.tsx';
import { COMPOSER_INPUT_ID } from './Composer.tsx';
import { HelpIcon, PlusIcon, SearchIcon, SettingsIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';
import { ThreadRow } from './ThreadRow.tsx';
import { VirtualList } from './VirtualList.tsx';
import type { VirtualListHandle } from './VirtualList.tsx';

export const SEARCH_INPUT_ID = 'thread-search';
const ROW = 40;
const ROW_WITH_SNIPPET = 62;

export function Sidebar({ open }: { open: boolean }) {
  const { newThread, openDialog } = useActions();
  return (
    <nav className={`sidebar${open ? '' : ' sidebar-closed'}`} aria-label="Threads" data-testid="sidebar">
      <div className="sidebar-top">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Tessera
        </span>
        <IconButton
          label="New thread (Ctrl+N)"
          testId="new-thread"
          onClick={() => void newThreadAndFocus(newThread)}
        >
          <PlusIcon />
        </IconButton>
      </div>
      <SearchBox />
      <ThreadList />
      <div className="sidebar-bottom">
        <button
          type="button"
          className="sidebar-link"
          data-testid="open-settings"
          onClick={() => openDialog({ kind: 'settings' })}
        >
          <SettingsIcon /> Settings
        </button>
        <IconButton
          label="Keyboard shortcuts (?)"
          testId="open-help"
          onClick={() => openDialog({ kind: 'help' })}
        >
          <HelpIcon />
        </IconButton>
      </div>
    </nav>
  );
}

export async function newThreadAndFocus(newThread: () => Promise<unknown>): Promise<void> {
  await newThread();
  document.getElementById(COMPOSER_INPUT_ID)?.focus();
}

/** Full-text search on the services (`threads.list({ query })`), debounced while typing. */
function SearchBox() {
  const query = useApp((s) => s.threadQuery);
  const { searchThreads } = useActions();
  const [value, setValue] = useState(query);
  useEffect(() => {
    const timer = setTimeout(() => void searchThreads(value.trim()), 200);
    return () => clearTimeout(timer);
  }, [value, searchThreads]);
  return (
    <div className="search" role="search">
      <SearchIcon size={16} />
      <input
        id={SEARCH_INPUT_ID}
        type="search"
        data-testid="thread-search"
        aria-label="Search threads (Ctrl+K)"
        placeholder="Search threads"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Escape') return;
          e.stopPropagation();
          if (value) setValue('');
          else document.getElementById(COMPOSER_INPUT_ID)?.focus();
        }}
      />
    </div>
  );
}

function ThreadList() {
  const threads = useApp((s) => s.threadList);
  const loaded = useApp((s) => s.threadListLoaded);
  const error = useApp((s) => s.threadListError);
  const query = useApp((s) => s.threadQuery);
  const currentId = useApp((s) => s.currentThreadId);
  const [renaming, setRenaming] = useState<string | null>(null);
  const list = useRef<VirtualListHandle>(null);
  const pendingFocus = useRef<number | null>(null);

  // After an arrow key scrolled a row into the window, focus it once it is rendered.
  useEffect(() => {
    if (pendingFocus.current === null) return;
    const target = document.querySelector<HTMLElement>(`[data-thread-index="${pendingFocus.current}"]`);
    if (target) {
      target.focus();
      pendingFocus.current = null;
    }
  });

  function onKeyDown(event: KeyboardEvent) {
    const from = (event.target as HTMLElement).dataset.threadIndex;
    if (from === undefined) return;
    const delta = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
    const to = event.key === 'Home' ? 0 : event.key === 'End' ? threads.length - 1 : Number(from) + delta;
    if ((delta === 0 && event.key !== 'Home' && event.key !== 'End') || to < 0 || to >= threads.length)
      return;
    event.preventDefault();
    list.current?.scrollToIndex(to);
    const target = document.querySelector<HTMLElement>(`[data-thread-index="${to}"]`);
    if (target) target.focus();
    else pendingFocus.current = to;
  }

  // Notes sit in the list's place, so the sidebar's footer stays at the bottom.
  if (error)
    return (
      <div className="thread-list">
        <p className="sidebar-note" role="alert">
          {error}
        </p>
      </div>
    );
  if (loaded && threads.length === 0)
    return (
      <div className="thread-list">
        <p className="sidebar-note" data-testid="thread-list-empty">
          {query ? `No threads match “${query}”.` : 'No threads yet. Ask a question to start one.'}
        </p>
      </div>
    );
  return (
    <div className="thread-list" onKeyDown={onKeyDown}>
      <VirtualList
        ref={list}
        items={threads}
        rowHeight={query ? ROW_WITH_SNIPPET : ROW}
        getKey={(t) => t.id}
        label={query ? `Threads matching “${query}”` : 'Threads, most recent first'}
        testId="thread-list"
        renderRow={(thread, index) => (
          <ThreadRow
            thread={thread}
            index={index}
            active={thread.id === currentId}
            renaming={renaming === thread.id}
            onRename={setRenaming}
          />
        )}
      />
    </div>
  );
}
