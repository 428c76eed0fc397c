import { useEffect, useState } from 'react';
import type { MessagePart, VideoPlanResult, VideoRef } from '../../app/ipc/contract.ts';
import { describeError } from '../lib/errors.ts';
import { useImageUrl } from '../lib/use-image-url.ts';
import { useServices } from '../state/context.tsx';
import { type FrameShown, FrameView } from './FrameView.tsx';
import { GridIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';
import { Modal } from './Modal.tsx';

/** A sent video as what was sent: its length and trim, and a strip of the frames the model saw. */
export function MessageVideos({ parts }: { parts: readonly MessagePart[] }) {
  const videos = parts.flatMap((p) => (p.type === 'video' ? [p.video] : []));
  if (videos.length === 0) return null;
  return (
    <ol className="message-videos" aria-label="Videos">
      {videos.map((video, i) => (
        <li key={i} data-testid="message-video">
          <MessageVideo video={video} />
        </li>
      ))}
    </ol>
  );
}

function MessageVideo({ video }: { video: VideoRef }) {
  const [showFrames, setShowFrames] = useState(false);
  return (
    <figure className="message-video">
      <ol className="video-strip" aria-label={`Frames of ${video.name}`}>
        {video.frames.map((frame, i) => (
          <li key={`${frame.sha256}-${i}`}>
            <StoredFrame
              sha256={frame.sha256}
              alt={`${video.name}, frame ${i + 1} at ${frame.seconds.toFixed(2)} s`}
            />
          </li>
        ))}
      </ol>
      <figcaption>
        Video {video.name} · {video.durationSeconds.toFixed(1)} s
        {video.start > 0 ? ` from ${video.start.toFixed(1)} s` : ''} · {video.frames.length} frames
        <IconButton
          label={`Show the frames of ${video.name}`}
          testId="message-video-frames"
          onClick={() => setShowFrames(true)}
        >
          <GridIcon size={16} />
        </IconButton>
      </figcaption>
      {showFrames && (
        <Modal
          title={`Frames of ${video.name}`}
          onClose={() => setShowFrames(false)}
          wide
          testId="frame-view-dialog"
        >
          <SentFrameView video={video} />
        </Modal>
      )}
    </figure>
  );
}

function StoredFrame({ sha256, alt }: { sha256: string; alt: string }) {
  const url = useImageUrl(sha256, 'image/png');
  return url ? <img src={url} alt={alt} /> : <span className="video-strip-missing">{alt}</span>;
}

/**
 * The frame view of a sent video: the plan is made again from the facts it was sent with (the engine does the
 * same for every answer), by the active model's family; the frames are the stored ones.
 */
function SentFrameView({ video }: { video: VideoRef }) {
  const { api, images } = useServices();
  const [planned, setPlanned] = useState<{ result: VideoPlanResult } | { error: string } | null>(null);
  const [frames, setFrames] = useState<FrameShown[]>(
    video.frames.map((f) => ({ seconds: f.seconds, url: null })),
  );
  useEffect(() => {
    let live = true;
    const { size } = video.source;
    void api['videos.plan']({
      width: size.width,
      height: size.height,
      durationSeconds: video.durationSeconds,
      ...video.sampling,
    }).then((r) => live && setPlanned(r.ok ? { result: r.value } : { error: describeError(r.error) }));
    void Promise.all(video.frames.map((f) => images.load(f.sha256, 'image/png'))).then(
      (urls) => live && setFrames(video.frames.map((f, i) => ({ seconds: f.seconds, url: urls[i] ?? null }))),
    );
    return () => {
      live = false;
    };
  }, [api, images, video]);
  if (!planned) return <p role="status">Planning…</p>;
  if ('error' in planned) {
    return (
      <p className="attachment-problem" role="alert">
        {planned.error}
      </p>
    );
  }
  return <FrameView name={video.name} plan={planned.result.plan} frames={frames} />;
}
