import type { VideoPlan } from '../../app/video-plan.ts';
import { formatInt, formatSize } from '../lib/format.ts';

export interface FrameShown {
  /** Seconds into the file. */
  seconds: number;
  url: string | null;
}

/**
 * The frame view (a video's tile view): the frames the plan sampled, in the pairs that fuse into one temporal
 * patch each (Qwen2-VL's temporal_patch_size 2), with what each pair costs in the prompt.
 */
export function FrameView({
  name,
  plan,
  frames,
}: {
  name: string;
  plan: VideoPlan;
  frames: readonly FrameShown[];
}) {
  const size = plan.temporalPatchSize;
  const groups = Array.from({ length: Math.ceil(frames.length / size) }, (_, i) =>
    frames.slice(i * size, (i + 1) * size),
  );
  return (
    <div className="frame-view" data-testid="frame-view">
      <p className="frame-view-summary" data-testid="frame-view-summary">
        {frames.length} frames sampled from {plan.durationSeconds.toFixed(1)} s at {plan.sampleFps.toFixed(2)}{' '}
        fps, each {formatSize(plan.resized)} px; every {size} frames fuse into one temporal patch of{' '}
        {plan.grid.rows} × {plan.grid.cols} tokens ({formatInt(plan.tokensPerTemporalPatch)} tokens,{' '}
        {plan.secondsPerTemporalPatch.toFixed(2)} s of video). {groups.length} patches:{' '}
        {formatInt(plan.videoTokens)} video tokens, {formatInt(plan.promptTokens)} in the prompt.
      </p>
      <ol className="frame-view-patches" aria-label={`Temporal patches of ${name}`}>
        {groups.map((group, i) => (
          <li key={i} className="frame-view-patch" data-testid="frame-view-patch">
            <strong>
              Patch {i + 1} · {formatInt(plan.tokensPerTemporalPatch)} tokens
            </strong>
            <span className="frame-view-span">
              {group.map((f) => `${f.seconds.toFixed(2)} s`).join(' + ')}
            </span>
            <div className="frame-view-pair">
              {group.map((frame, j) =>
                frame.url ? (
                  <img
                    key={j}
                    src={frame.url}
                    alt={`${name}, frame ${i * size + j + 1} at ${frame.seconds.toFixed(2)} s`}
                    width={plan.resized.width}
                    height={plan.resized.height}
                  />
                ) : (
                  <span key={j} className="frame-view-missing">
                    Frame {i * size + j + 1} not loaded
                  </span>
                ),
              )}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
