import type { VideoPlan } from '../../app/video-plan.ts';
import { formatInt, formatSize } from '../lib/format.ts';

export interface FrameShown {
  /** Seconds into the file. */
  seconds: number;
  url: string | null;
}

interface FrameViewProps {
  name: string;
  plan: VideoPlan;
  frames: readonly FrameShown[];
}

/**
 * The frame view (a video's tile view): the frames the plan sampled, as the model reads them — one view per
 * frame where nothing fuses in time (SmolVLM2), else in the groups that fuse into one temporal patch each.
 */
export function FrameView(props: FrameViewProps) {
  return props.plan.temporalPatchSize === 1 ? <SingleFrames {...props} /> : <TemporalPatches {...props} />;
}

/**
 * SmolVLM2: every frame one view of its own, written after its timestamp (`Frame from 00:01:`), each with
 * what it costs in the prompt; the intro naming the frame count and length comes first.
 */
function SingleFrames({ name, plan, frames }: FrameViewProps) {
  return (
    <div className="frame-view" data-testid="frame-view">
      <p className="frame-view-summary" data-testid="frame-view-summary">
        {frames.length} frames sampled from {plan.durationSeconds.toFixed(1)} s at {plan.sampleFps.toFixed(2)}{' '}
        fps, each one view of {formatSize(plan.resized)} px ({formatInt(plan.tokensPerTemporalPatch)} image
        tokens) after its timestamp: {formatInt(plan.videoTokens)} video tokens,{' '}
        {formatInt(plan.promptTokens)} in the prompt with the timestamps and the intro.
      </p>
      <ol className="frame-view-patches" aria-label={`Frames of ${name}`}>
        {frames.map((frame, i) => {
          const cost = plan.frameCosts?.[i];
          return (
            <li key={i} className="frame-view-patch" data-testid="frame-view-frame">
              <strong>
                Frame {i + 1} · {formatInt(cost?.tokens ?? plan.tokensPerTemporalPatch)} tokens
              </strong>
              <span className="frame-view-span">
                {frame.seconds.toFixed(2)} s
                {cost && (
                  <>
                    {' '}
                    · <code>{cost.label}</code>
                  </>
                )}
              </span>
              {frame.url ? (
                <img
                  className="frame-view-one"
                  src={frame.url}
                  alt={`${name}, frame ${i + 1} at ${frame.seconds.toFixed(2)} s`}
                  width={plan.resized.width}
                  height={plan.resized.height}
                />
              ) : (
                <span className="frame-view-missing">Frame {i + 1} not loaded</span>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** Qwen2-VL: the frames in the pairs (temporal_patch_size 2) that fuse into one temporal patch each. */
function TemporalPatches({ name, plan, frames }: FrameViewProps) {
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
