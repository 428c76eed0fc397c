import { memo, useId, useState } from 'react';
import type { ImageRef, Message } from '../../app/ipc/contract.ts';
import { attachCrop } from '../lib/crop.ts';
import { cropRect, type ImageBox } from '../lib/boxes/map.ts';
import { useAnswerBoxes, useAnswerOf, useBoxesShown, useQuestionOf } from '../lib/boxes/use-answer-boxes.ts';
import { describeError } from '../lib/errors.ts';
import { useImageUrl } from '../lib/use-image-url.ts';
import { messageText } from '../state/branch.ts';
import type { SiblingInfo } from '../state/branch.ts';
import { useActions, useApp } from '../state/context.tsx';
import { AnatomyPanel } from './AnatomyPanel.tsx';
import { BoxesNote } from './BoxesNote.tsx';
import { BoxOverlay } from './BoxOverlay.tsx';
import { BranchSwitcher } from './BranchSwitcher.tsx';
import { ConfidenceText } from './ConfidenceText.tsx';
import { isSendKey } from './Composer.tsx';
import { CopyButton } from './CopyButton.tsx';
import { LoweredNote, LowerAndRetry, SentLowMark } from './EarlierImages.tsx';
import { AlertIcon, CropIcon, PencilIcon, RefreshIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';
import { Markdown } from './Markdown.tsx';
import { MessageVideos } from './MessageVideos.tsx';
import { StatsLine } from './StatsLine.tsx';

/** One message of the branch shown. Memoised: streaming re-renders only the answer being written. */
export const MessageItem = memo(function MessageItem({
  message,
  siblings,
  busy,
  leftOut = false,
  sentLow = false,
  firstImage = 1,
}: {
  message: Message;
  siblings: SiblingInfo;
  /** An answer is being written in this thread: branch switching and new versions wait. */
  busy: boolean;
  /** The latest answer's prompt left this message out to fit the context window. */
  leftOut?: boolean;
  /** The latest answer's prompt had this question's images at Low detail (the thread's choice). */
  sentLow?: boolean;
  /** The number of this message's first image, counted across the thread as the model sees them. */
  firstImage?: number;
}) {
  const item =
    message.role === 'user' ? (
      <Question message={message} siblings={siblings} busy={busy} firstImage={firstImage} />
    ) : (
      <Answer message={message} siblings={siblings} busy={busy} firstImage={firstImage} />
    );
  if (sentLow && !leftOut) return <SentLowMark>{item}</SentLowMark>;
  if (!leftOut) return item;
  return (
    <div className="left-out" data-testid="left-out">
      <p className="left-out-note">Not in the latest answer’s prompt: left out to fit the context window</p>
      {item}
    </div>
  );
});

function Question({
  message,
  siblings,
  busy,
  firstImage,
}: {
  message: Message;
  siblings: SiblingInfo;
  busy: boolean;
  firstImage: number;
}) {
  const [editing, setEditing] = useState(false);
  const text = messageText(message);
  const images = message.parts.flatMap((p) => (p.type === 'image' ? [p.image] : []));
  // Boxes the answer shown below found go on the first image (lib/boxes/answer-boxes.ts).
  const answer = useAnswerOf(message.id);
  const found = useAnswerBoxes(answer, message);
  const boxesShown = useBoxesShown(answer?.id);
  const boxes = found && boxesShown && found.boxes.length > 0 ? found.boxes : null;
  return (
    <article
      className="message message-user"
      data-testid="message-item"
      data-role="user"
      data-message-id={message.id}
      aria-label="Question"
    >
      <MessageVideos parts={message.parts} />
      {images.length > 0 && (
        <ol className="message-images" aria-label="Images">
          {images.map((image, i) => (
            <li key={`${image.sha256}-${i}`}>
              <MessageImage image={image} label={`Image ${firstImage + i}`} boxes={i === 0 ? boxes : null} />
            </li>
          ))}
        </ol>
      )}
      {editing ? (
        <EditBox message={message} initial={text} onDone={() => setEditing(false)} />
      ) : (
        text && <div className="bubble">{text}</div>
      )}
      {!editing && (
        <footer className="message-actions">
          <BranchSwitcher siblings={siblings} disabled={busy} />
          <CopyButton label="Copy question" testId="copy-message" getText={() => text} />
          <IconButton
            label="Edit and resend"
            testId="edit-button"
            disabled={busy}
            onClick={() => setEditing(true)}
          >
            <PencilIcon />
          </IconButton>
        </footer>
      )}
    </article>
  );
}

function MessageImage({
  image,
  label,
  boxes = null,
}: {
  image: ImageRef;
  label: string;
  boxes?: readonly ImageBox[] | null;
}) {
  const url = useImageUrl(image.sha256, image.mime);
  const { openDialog, addFiles, pushToast } = useActions();
  const thumbnail = (
    <button
      type="button"
      className="message-image"
      data-testid="message-image"
      aria-label={`${label}: ${image.name}, ${image.detail} detail. Show what the model sees`}
      title={`${image.name} — show tiles`}
      onClick={() => openDialog({ kind: 'tiles', image, label })}
    >
      {url ? <img src={url} alt="" /> : <span className="message-image-placeholder" />}
      <span className="message-image-label">
        {label} · {image.detail === 'high' ? 'High' : 'Low'}
      </span>
    </button>
  );
  // Select a rectangle in the tile dialog; the crop goes into the next question.
  const regionButton = url ? (
    <IconButton
      label={`Ask about a region of ${label}`}
      testId="ask-region"
      className="message-image-region"
      onClick={() => openDialog({ kind: 'tiles', image, label, selectRegion: true })}
    >
      <CropIcon size={16} />
    </IconButton>
  ) : null;
  if (!url) return thumbnail;
  if (!boxes)
    return (
      <div className="message-image-holder">
        {thumbnail}
        {regionButton}
      </div>
    );
  // Clicking a box attaches its region, cut from the original pixels, to the next question.
  function crop(box: ImageBox) {
    if (!url) return;
    const region = cropRect(box, image);
    attachCrop(addFiles, { url, image }, region).then(
      () =>
        pushToast({ message: `Attached ${region.width}×${region.height} from ${label}: ask about it below` }),
      () => pushToast({ message: `Could not crop ${label}`, tone: 'error' }),
    );
  }
  return (
    <div className="message-image-frame">
      {thumbnail}
      <BoxOverlay image={image} boxes={boxes} imageLabel={label} onCrop={crop} />
      {regionButton}
    </div>
  );
}

function EditBox({ message, initial, onDone }: { message: Message; initial: string; onDone: () => void }) {
  const [text, setText] = useState(initial);
  const [sending, setSending] = useState(false);
  const { editAndResend } = useActions();
  const hasImages = message.parts.some((p) => p.type === 'image' || p.type === 'video');
  const canSend = !sending && (text.trim().length > 0 || hasImages);
  async function submit() {
    if (!canSend) return;
    setSending(true);
    const ok = await editAndResend(message.id, text);
    setSending(false);
    if (ok) onDone();
  }
  return (
    <form
      className="edit-box"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        data-testid="edit-input"
        aria-label="Edit question"
        value={text}
        autoFocus
        rows={Math.min(10, text.split('\n').length + 1)}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onDone();
          } else if (isSendKey(e)) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <div className="edit-actions">
        <button type="button" className="button" onClick={onDone} data-testid="edit-cancel">
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={!canSend} data-testid="edit-send">
          Send
        </button>
      </div>
    </form>
  );
}

const STATUS_NOTES: Partial<Record<Message['status'], string>> = {
  stopped: 'Stopped',
  interrupted: 'Interrupted',
  failed: 'Failed',
};

function Answer({
  message,
  siblings,
  busy,
  firstImage,
}: {
  message: Message;
  siblings: SiblingInfo;
  busy: boolean;
  firstImage: number;
}) {
  const question = useQuestionOf(message);
  const found = useAnswerBoxes(message, question);
  const [anatomyOpen, setAnatomyOpen] = useState(false);
  const anatomyId = useId();
  const [confidenceShown, setConfidenceShown] = useState(false);
  const confidenceId = useId();
  const streamed = useApp((s) => (message.status === 'streaming' ? s.streamText[message.id] : undefined));
  const { regenerate, retry } = useActions();
  const streaming = message.status === 'streaming';
  const text = streamed ?? messageText(message);
  const broken = message.status === 'failed' || message.status === 'interrupted';
  return (
    <article
      className={`message message-assistant${streaming ? ' is-streaming' : ''}`}
      data-testid="message-item"
      data-role="assistant"
      data-message-id={message.id}
      data-status={message.status}
      aria-label="Answer"
      aria-busy={streaming}
    >
      <div className="answer-body">
        {!streaming && confidenceShown ? (
          <ConfidenceText messageId={message.id} id={confidenceId} />
        ) : text ? (
          <Markdown text={text} />
        ) : (
          streaming && <ThinkingDots />
        )}
      </div>
      {broken && (
        <div className="message-error" role="alert" data-testid="message-error">
          <AlertIcon />
          <span>
            {message.error
              ? describeError(message.error)
              : message.status === 'interrupted'
                ? 'The answer was interrupted.'
                : 'The answer failed.'}
          </span>
          <button
            type="button"
            className="button"
            data-testid="retry-button"
            onClick={() => void retry(message.id)}
          >
            Retry
          </button>
          <LowerAndRetry answer={message} />
        </div>
      )}
      {!streaming && (
        <footer className="message-actions">
          <BranchSwitcher siblings={siblings} disabled={busy} />
          {/* A failed answer with no text has nothing to copy, and Retry (above) is how to get a new one. */}
          {!(broken && !text) && (
            <>
              <CopyButton label="Copy answer" testId="copy-message" getText={() => text} />
              <IconButton
                label="Regenerate answer"
                testId="regenerate-button"
                disabled={busy}
                onClick={() => void regenerate(message.id)}
              >
                <RefreshIcon />
              </IconButton>
            </>
          )}
          {STATUS_NOTES[message.status] && message.status === 'stopped' && (
            <span className="status-note">{STATUS_NOTES[message.status]}</span>
          )}
          {message.stats?.dropped && message.stats.dropped.length > 0 && (
            <span className="status-note" data-testid="dropped-note">
              {message.stats.dropped.length} earlier messages left out to fit the context
            </span>
          )}
          <LoweredNote lowered={message.stats?.lowered} />
          {found && question && (
            <BoxesNote
              answerId={message.id}
              found={found}
              // The answer comes right after its question, so its first number is past the question's images.
              imageNumber={firstImage - question.parts.filter((p) => p.type === 'image').length}
            />
          )}
          {message.stats && <StatsLine stats={message.stats} />}
          {message.stats && text && !message.stats.model?.server && (
            <button
              type="button"
              className="button small confidence-toggle"
              data-testid="confidence-toggle"
              aria-pressed={confidenceShown}
              aria-controls={confidenceId}
              onClick={() => setConfidenceShown((shown) => !shown)}
            >
              Show confidence
            </button>
          )}
          {message.stats && (
            <button
              type="button"
              className="button small anatomy-toggle"
              data-testid="anatomy-toggle"
              aria-expanded={anatomyOpen}
              aria-controls={anatomyId}
              onClick={() => setAnatomyOpen((open) => !open)}
            >
              Anatomy
            </button>
          )}
        </footer>
      )}
      {!streaming && anatomyOpen && message.stats && <AnatomyPanel stats={message.stats} id={anatomyId} />}
    </article>
  );
}

function ThinkingDots() {
  return (
    <span className="thinking" role="status" aria-label="Writing">
      <span />
      <span />
      <span />
    </span>
  );
}
