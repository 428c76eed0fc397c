import type { MessagePart, VideoRef } from '../../app/ipc/contract.ts';
import { useImageUrl } from '../lib/use-image-url.ts';

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
      </figcaption>
    </figure>
  );
}

function StoredFrame({ sha256, alt }: { sha256: string; alt: string }) {
  const url = useImageUrl(sha256, 'image/png');
  return url ? <img src={url} alt={alt} /> : <span className="video-strip-missing">{alt}</span>;
}
