import { type KeyboardEvent, memo, useId, useState } from 'react';
import { formatInt, formatSize } from '../lib/format.ts';
import { useActions } from '../state/context.tsx';
import type { VideoAttachment } from '../state/slices/videos.ts';
import { FrameView } from './FrameView.tsx';
import { AlertIcon, CloseIcon, GridIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';
import { Modal } from './Modal.tsx';

const STATUS: Record<VideoAttachment['status'], string> = {
  opening: 'Opening…',
  planning: 'Planning…',
  decoding: 'Reading frames…',
  ready: '',
  error: '',
};

/** Sampling rates offered; the model's own default is the first choice. */
const FPS_CHOICES = [0.5, 1, 2, 4];

/**
 * Enter in a number field applies it (as leaving the field does) instead of submitting the composer's form,
 * which would send the question with the plan from before the change.
 */
function applyOnEnter(event: KeyboardEvent<HTMLInputElement>): void {
  if (event.key !== 'Enter') return;
  event.preventDefault();
  event.currentTarget.blur();
}

/** A number field's value, or null when it is empty or not a number (the setting then stays). */
function numberOf(text: string): number | null {
  const value = Number(text);
  return text.trim() === '' || !Number.isFinite(value) ? null : value;
}

/**
 * One attached video: a strip of the sampled frames, its length and token cost, the sampling rate, the frame
 * limit and the trim (each change plans and reads the frames again) — or why it cannot be sent.
 */
export const VideoCard = memo(function VideoCard({ video }: { video: VideoAttachment }) {
  const { setVideoOptions, removeVideo } = useActions();
  const [showFrames, setShowFrames] = useState(false);
  const id = useId();
  const plan = video.result?.plan ?? null;
  const busy = STATUS[video.status];
  // Frames come in temporal patches (Qwen2-VL's pairs), so the limit steps by one patch; SmolVLM2's by one.
  const perPatch = plan?.temporalPatchSize ?? 1;
  // A card restored from the draft has no file to sample again.
  const editable = video.clip !== null && video.status !== 'opening' && !video.fromDraft;
  return (
    <li
      className={`attachment video-card attachment-${video.status}`}
      data-testid="video-card"
      data-status={video.status}
      aria-label={`Video: ${video.name}`}
      aria-busy={busy !== ''}
    >
      <div className="attachment-head">
        <strong>Video</strong>
        <span className="attachment-name" title={video.name}>
          {video.name}
        </span>
        {video.status === 'ready' && plan && (
          <IconButton
            label={`Show the frames of ${video.name}`}
            testId="video-frames"
            onClick={() => setShowFrames(true)}
          >
            <GridIcon size={16} />
          </IconButton>
        )}
        <IconButton
          label={`Remove ${video.name}`}
          testId="video-remove"
          onClick={() => removeVideo(video.key)}
        >
          <CloseIcon size={16} />
        </IconButton>
      </div>
      {video.status === 'error' ? (
        <p className="attachment-problem" role="alert" data-testid="video-error">
          <AlertIcon size={16} /> {video.error}
        </p>
      ) : (
        <ol className="video-strip" aria-label={`Sampled frames of ${video.name}`} data-testid="video-strip">
          {busy && (
            <li className="video-strip-busy" role="status">
              {busy}
            </li>
          )}
          {!busy &&
            video.frames.map((frame, i) => (
              <li key={frame.sha256 + i}>
                <img src={frame.url} alt={`Frame ${i + 1} at ${frame.seconds.toFixed(2)} s`} />
              </li>
            ))}
        </ol>
      )}
      {video.clip && (
        <p className="video-facts" data-testid="video-facts">
          {(video.end - video.start).toFixed(1)} s of {video.clip.durationSeconds.toFixed(1)} s ·{' '}
          {formatSize(video.clip.size)} px
          {plan && video.status === 'ready' && (
            <>
              {' · '}
              {plan.frames.length} frames ·{' '}
              <span className="attachment-cost" data-testid="video-tokens">
                {formatInt(plan.promptTokens)} tokens
              </span>
            </>
          )}
        </p>
      )}
      {editable && (
        <div className="video-controls">
          <label htmlFor={`${id}-fps`}>Frames a second</label>
          <select
            id={`${id}-fps`}
            data-testid="video-fps"
            value={video.fps === null ? '' : String(video.fps)}
            onChange={(e) => setVideoOptions(video.key, { fps: numberOf(e.target.value) })}
          >
            <option value="">Default</option>
            {FPS_CHOICES.map((fps) => (
              <option key={fps} value={fps}>
                {fps}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-max`}>Most frames</label>
          <input
            id={`${id}-max`}
            data-testid="video-max-frames"
            type="number"
            min={perPatch}
            max={768}
            step={perPatch}
            placeholder="Default"
            defaultValue={video.maxFrames ?? ''}
            onKeyDown={applyOnEnter}
            onBlur={(e) => {
              const value = numberOf(e.target.value);
              if (value !== video.maxFrames) setVideoOptions(video.key, { maxFrames: value });
            }}
          />
          <label htmlFor={`${id}-start`}>Start (s)</label>
          <input
            id={`${id}-start`}
            data-testid="video-start"
            type="number"
            min={0}
            step={0.1}
            key={`start-${video.start}`}
            defaultValue={video.start.toFixed(1)}
            onKeyDown={applyOnEnter}
            onBlur={(e) => {
              const value = numberOf(e.target.value);
              if (value !== null && Math.abs(value - video.start) > 1e-6)
                setVideoOptions(video.key, { start: value });
            }}
          />
          <label htmlFor={`${id}-end`}>End (s)</label>
          <input
            id={`${id}-end`}
            data-testid="video-end"
            type="number"
            min={0}
            step={0.1}
            key={`end-${video.end}`}
            defaultValue={video.end.toFixed(1)}
            onKeyDown={applyOnEnter}
            onBlur={(e) => {
              const value = numberOf(e.target.value);
              if (value !== null && Math.abs(value - video.end) > 1e-6)
                setVideoOptions(video.key, { end: value });
            }}
          />
        </div>
      )}
      {video.fromDraft && video.status === 'ready' && (
        <p className="video-note" data-testid="video-from-draft">
          Kept from the draft: attach the file again to change the sampling or the trim.
        </p>
      )}
      {showFrames && plan && (
        <Modal
          title={`Frames of ${video.name}`}
          onClose={() => setShowFrames(false)}
          wide
          testId="frame-view-dialog"
        >
          <FrameView name={video.name} plan={plan} frames={video.frames} />
        </Modal>
      )}
    </li>
  );
});
