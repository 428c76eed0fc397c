import { memo, useState } from 'react';
import type { ThreadSummary } from '../../app/ipc/contract.ts';
import { formatWhen } from '../lib/format.ts';
import { highlight, stripMarkdown } from '../lib/search-snippet.ts';
import { useActions, useApp } from '../state/context.tsx';
import { PencilIcon, TrashIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';

export const ThreadRow = memo(function ThreadRow({
  thread,
  index,
  active,
  renaming,
  onRename,
}: {
  thread: ThreadSummary;
  index: number;
  active: boolean;
  renaming: boolean;
  /** Starts (id) or ends (null) inline renaming. */
  onRename: (id: string | null) => void;
}) {
  const { selectThread, renameThread, deleteThread } = useActions();
  return (
    <div
      className={`thread-row${active ? ' active' : ''}`}
      data-testid="thread-item"
      data-thread-id={thread.id}
    >
      {renaming ? (
        <RenameInput
          initial={thread.title}
          onDone={(title) => {
            onRename(null);
            if (title !== null) void renameThread(thread.id, title);
          }}
        />
      ) : (
        <button
          type="button"
          className="thread-open"
          data-testid="thread-open"
          data-thread-index={index}
          aria-current={active ? 'page' : undefined}
          title={thread.title}
          onClick={() => void selectThread(thread.id)}
          onDoubleClick={() => onRename(thread.id)}
          onKeyDown={(e) => {
            if (e.key === 'F2') {
              e.preventDefault();
              onRename(thread.id);
            } else if (e.key === 'Delete') {
              e.preventDefault();
              void deleteThread(thread.id);
            }
          }}
        >
          <span className="thread-title">{thread.title || 'Untitled'}</span>
          <span className="thread-when">{formatWhen(thread.updatedAt)}</span>
          {thread.snippet && <Snippet text={thread.snippet} />}
        </button>
      )}
      {!renaming && (
        <div className="thread-actions">
          <IconButton
            label={`Rename “${thread.title}”`}
            testId="thread-rename"
            onClick={() => onRename(thread.id)}
          >
            <PencilIcon size={16} />
          </IconButton>
          <IconButton
            label={`Delete “${thread.title}”`}
            testId="thread-delete"
            onClick={() => void deleteThread(thread.id)}
          >
            <TrashIcon size={16} />
          </IconButton>
        </div>
      )}
    </div>
  );
});

/** Enter or leaving the field saves; Escape cancels (onDone(null)). */
/** A search result's excerpt: plain text, the searched words marked. */
function Snippet({ text }: { text: string }) {
  const query = useApp((s) => s.threadQuery);
  return (
    <span className="thread-snippet" data-testid="thread-snippet">
      {highlight(stripMarkdown(text), query).map((segment, i) =>
        segment.match ? <mark key={i}>{segment.text}</mark> : segment.text,
      )}
    </span>
  );
}

function RenameInput({ initial, onDone }: { initial: string; onDone: (title: string | null) => void }) {
  const [value, setValue] = useState(initial);
  const [finished, setFinished] = useState(false);
  const finish = (title: string | null) => {
    if (finished) return;
    setFinished(true);
    onDone(title?.trim() ? title.trim() : null);
  };
  return (
    <input
      className="thread-rename"
      data-testid="thread-rename-input"
      aria-label="Thread title"
      value={value}
      maxLength={200}
      autoFocus
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setValue(e.target.value)}
      onBlur={() => finish(value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          finish(value);
        } else if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          finish(null);
        }
      }}
    />
  );
}
