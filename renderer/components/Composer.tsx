/**
 * Where questions are written: text, pasted/dropped/picked images (each stored at once so the engine can
 * start encoding while the question is typed), their tile plans and detail, the token estimate, and
 * Send — or Stop while an answer is being written.
 */
import { useEffect, useRef } from 'react';
import type { ClipboardEvent, DragEvent, KeyboardEvent } from 'react';
import { filesFromTransfer } from '../lib/attachments.ts';
import { useActions, useApp, useAppShallow } from '../state/context.tsx';
import { attachmentLabels, selectNoModels, selectStreamingId } from '../state/selectors.ts';
import { canSend } from '../state/slices/composer.ts';
import { AttachmentCard } from './AttachmentCard.tsx';
import { VideoCard } from './VideoCard.tsx';
import { PaperclipIcon, SendIcon, StopIcon } from './Icons.tsx';
import { CaptureButton } from './CaptureButton.tsx';
import { RecordScreenButton } from './RecordScreenButton.tsx';
import { IconButton } from './IconButton.tsx';
import { TokenMeter } from './TokenMeter.tsx';

export const COMPOSER_INPUT_ID = 'composer-input';

/** Enter sends; Shift+Enter is a newline; nothing happens mid-composition (IME input of CJK text). */
export function isSendKey(
  event: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'altKey' | 'nativeEvent'>,
): boolean {
  return (
    event.key === 'Enter' &&
    !event.shiftKey &&
    !event.altKey &&
    !(event.nativeEvent as { isComposing?: boolean }).isComposing
  );
}

export function Composer() {
  const draft = useApp((s) => s.draft);
  const attachments = useApp((s) => s.attachments);
  const videos = useApp((s) => s.videos);
  const labels = useAppShallow(attachmentLabels);
  const ready = useApp(canSend);
  const streamingId = useApp(selectStreamingId);
  const noModels = useApp(selectNoModels);
  const uploading = useApp((s) => s.attachments.some((a) => a.status === 'uploading'));
  const { setDraft, addFiles, send, stop } = useActions();
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);

  // The first model arrived (the first-run panel, and whatever had the focus in it, is gone): type here.
  const hadNoModels = useRef(noModels);
  useEffect(() => {
    const arrived = hadNoModels.current && !noModels;
    hadNoModels.current = noModels;
    if (arrived && (!document.activeElement || document.activeElement === document.body))
      input.current?.focus();
  }, [noModels]);

  // The textarea grows with its text up to a cap (CSS max-height), then scrolls.
  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [draft]);

  function submit() {
    if (streamingId || !ready) return;
    void send().then((sent) => sent && input.current?.focus());
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const files = filesFromTransfer(event.clipboardData, { forPaste: true });
    if (files.length === 0) return; // plain text: the browser pastes it as usual
    event.preventDefault();
    addFiles(files, 'paste');
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    addFiles(filesFromTransfer(event.dataTransfer), 'drop');
  }

  const sendHint = uploading ? 'Waiting for images to be stored…' : 'Send (Enter)';
  return (
    <form
      className="composer"
      data-testid="composer"
      aria-label="Ask a question"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDrop={onDrop}
    >
      {videos.length > 0 && (
        <ol className="attachments" aria-label="Attached videos" data-testid="videos">
          {videos.map((video) => (
            <VideoCard key={video.key} video={video} />
          ))}
        </ol>
      )}
      {attachments.length > 0 && (
        <ol className="attachments" aria-label="Attached images" data-testid="attachments">
          {attachments.map((attachment, i) => (
            <AttachmentCard key={attachment.key} attachment={attachment} label={labels[i] ?? null} />
          ))}
        </ol>
      )}
      <textarea
        ref={input}
        id={COMPOSER_INPUT_ID}
        data-testid="composer-input"
        className="composer-input"
        aria-label="Message"
        aria-describedby="composer-hint"
        placeholder={
          noModels
            ? 'Add a model to start asking questions'
            : 'Ask about an image — paste a screenshot with Ctrl+V'
        }
        rows={1}
        // Nothing to answer with yet: the first-run panel above offers a model.
        disabled={noModels}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onPaste={onPaste}
        onKeyDown={(e) => {
          if (!isSendKey(e)) return;
          e.preventDefault();
          submit();
        }}
      />
      <div className="composer-bar">
        <IconButton
          label="Attach images"
          testId="attach-button"
          disabled={noModels}
          onClick={() => picker.current?.click()}
        >
          <PaperclipIcon />
        </IconButton>
        <CaptureButton disabled={noModels} />
        <RecordScreenButton disabled={noModels} />
        <input
          ref={picker}
          type="file"
          accept="image/*,video/*"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            addFiles(Array.from(e.target.files ?? []), 'picker');
            e.target.value = ''; // the same file can be picked again
          }}
        />
        <span id="composer-hint" className="composer-hint">
          Enter to send · Shift+Enter for a new line
        </span>
        <TokenMeter />
        {streamingId ? (
          <button
            type="button"
            className="send-button stop"
            data-testid="stop-button"
            aria-label="Stop the answer (Escape)"
            title="Stop (Escape)"
            onClick={() => void stop(streamingId)}
          >
            <StopIcon />
          </button>
        ) : (
          <button
            type="submit"
            className="send-button"
            data-testid="send-button"
            aria-label="Send"
            title={sendHint}
            disabled={!ready || noModels}
          >
            <SendIcon />
          </button>
        )}
      </div>
    </form>
  );
}
