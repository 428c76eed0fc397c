/**
 * "Record screen" beside the screenshot button: records a screen, window or tab as WebM (lib/screen-record.ts)
 * for up to RECORD_LIMIT_SECONDS, showing a recording indicator with the elapsed time and a Stop button
 * (Escape stops too), then attaches the clip as a dropped one is (the videos slice plans and samples it).
 * In the desktop app the screen or window is picked in the app's own chooser (capture.sources) and handed to
 * the main process (capture.select), which answers the page's getDisplayMedia with it. Offered only when the
 * active model takes video: otherwise the button stays visible but disabled, its title saying why, so the
 * feature can be found and the fix is named.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CaptureSource } from '../../app/ipc/contract.ts';
import { describeError } from '../lib/errors.ts';
import { CaptureError } from '../lib/capture.ts';
import {
  RECORD_LIMIT_SECONDS,
  type ScreenRecording,
  VIDEO_PROBE,
  startScreenRecording,
} from '../lib/screen-record.ts';
import { useActions, useApp, useServices } from '../state/context.tsx';
import { IconButton } from './IconButton.tsx';
import { RecordScreenIcon } from './Icons.tsx';
import { SourceChooser } from './SourceChooser.tsx';

type Step =
  | { step: 'idle' }
  | { step: 'starting' }
  | { step: 'choose'; sources: CaptureSource[] }
  | { step: 'recording'; recording: ScreenRecording; startedAt: number };

/** m:ss */
const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * Whether the active model takes video, asked the way a dropped clip is (videos.plan for VIDEO_PROBE; the
 * services know, from the model's own config, which SmolVLM models read video): null while unknown, else the
 * reason it does not, or '' when it does.
 */
function useVideoRefusal(): string | null {
  const { api } = useServices();
  const modelId = useApp((s) => s.settings?.activeModelId);
  const models = useApp((s) => s.models);
  const [refusal, setRefusal] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setRefusal(null);
    void api['videos.plan']({ ...VIDEO_PROBE }).then((planned) => {
      if (current) setRefusal(planned.ok ? '' : describeError(planned.error));
    });
    return () => {
      current = false;
    };
  }, [api, modelId, models]);
  return refusal;
}

export function RecordScreenButton({ disabled }: { disabled: boolean }) {
  const { api } = useServices();
  const { addVideo, pushToast } = useActions();
  const refusal = useVideoRefusal();
  const [step, setStep] = useState<Step>({ step: 'idle' });
  const [now, setNow] = useState(() => Date.now());
  const stepRef = useRef(step);
  stepRef.current = step;

  const failed = useCallback(
    (message: string) => {
      setStep({ step: 'idle' });
      pushToast({ message, tone: 'error' });
    },
    [pushToast],
  );

  const record = useCallback(async () => {
    let recording: ScreenRecording;
    try {
      recording = await startScreenRecording();
    } catch (error) {
      return failed(
        error instanceof CaptureError ? error.message : `Could not record the screen: ${String(error)}`,
      );
    }
    setNow(Date.now());
    setStep({ step: 'recording', recording, startedAt: Date.now() });
    try {
      addVideo(await recording.done);
    } catch (error) {
      pushToast({ message: error instanceof Error ? error.message : String(error), tone: 'error' });
    } finally {
      setStep({ step: 'idle' });
    }
  }, [addVideo, failed, pushToast]);

  // The desktop app lists screens and windows in its own chooser; the browser's picker chooses in a browser.
  const start = useCallback(async () => {
    if (stepRef.current.step !== 'idle') return;
    setStep({ step: 'starting' });
    const listed = await api['capture.sources']({});
    if (!listed.ok) return failed(`Could not record the screen: ${describeError(listed.error)}`);
    if (listed.value.kind === 'denied') return failed(listed.value.reason);
    if (listed.value.kind === 'sources') return setStep({ step: 'choose', sources: listed.value.sources });
    await record();
  }, [api, failed, record]);

  const choose = async (source: CaptureSource) => {
    setStep({ step: 'starting' });
    // The main process gives the page's getDisplayMedia this source (main/electron/capture.ts).
    const selected = await api['capture.select']({ sourceId: source.id });
    if (!selected.ok) return failed(`Could not record ${source.name}: ${describeError(selected.error)}`);
    await record();
  };

  const recording = step.step === 'recording' ? step.recording : null;
  useEffect(() => {
    if (!recording) return;
    const tick = setInterval(() => setNow(Date.now()), 250);
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      recording.stop();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      clearInterval(tick);
      window.removeEventListener('keydown', onKey);
    };
  }, [recording]);

  if (step.step === 'recording') {
    const elapsed = Math.min(RECORD_LIMIT_SECONDS, Math.floor((now - step.startedAt) / 1000));
    return <RecordingIndicator elapsed={elapsed} onStop={() => step.recording.stop()} />;
  }
  const label = refusal
    ? `Record the screen as a video: ${refusal}`
    : `Record the screen as a video (up to ${RECORD_LIMIT_SECONDS} s; Escape stops)`;
  return (
    <>
      <IconButton
        label={label}
        testId="record-button"
        disabled={disabled || refusal !== '' || step.step !== 'idle'}
        onClick={() => void start()}
      >
        <RecordScreenIcon />
      </IconButton>
      {step.step === 'choose' && (
        <SourceChooser
          title="Record a screen or window"
          sources={step.sources}
          onChoose={(source) => void choose(source)}
          onClose={() => setStep({ step: 'idle' })}
        />
      )}
    </>
  );
}

/**
 * The red dot, the time recorded and Stop, in place of the button. Stop takes the focus (the button it
 * replaces is gone); a screen reader hears that recording started once, not every tick of the clock.
 */
function RecordingIndicator({ elapsed, onStop }: { elapsed: number; onStop: () => void }) {
  const stop = useRef<HTMLButtonElement>(null);
  useEffect(() => stop.current?.focus(), []);
  return (
    <span className="recording" data-testid="recording-indicator">
      <span className="recording-dot" aria-hidden="true" />
      <span role="status" className="visually-hidden">
        Recording the screen, up to {RECORD_LIMIT_SECONDS} seconds.
      </span>
      <span aria-hidden="true">
        Recording {clock(elapsed)} / {clock(RECORD_LIMIT_SECONDS)}
      </span>
      <button
        ref={stop}
        type="button"
        className="button recording-stop"
        aria-label={`Stop recording (${clock(elapsed)} recorded)`}
        onClick={onStop}
      >
        Stop
      </button>
    </span>
  );
}
