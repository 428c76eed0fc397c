/**
 * The composer's screen capture: a button (and, in the desktop app, the global shortcut's capture.requested
 * event) that takes a screenshot of a screen, a window or a region of one and attaches it like a pasted
 * image. The desktop app lists its sources (capture.sources) in a small chooser and captures in the main
 * process; the browser host (`tessera serve`) uses the browser's own picker (lib/capture.ts). Either way the
 * capture opens in a dialog to attach whole or to select a region of (RegionSelector, cut by lib/crop.ts).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CaptureSource } from '../../app/ipc/contract.ts';
import { CaptureError, captureScreen } from '../lib/capture.ts';
import { cropName, cropToFile, type Region } from '../lib/crop.ts';
import { describeError } from '../lib/errors.ts';
import { useActions, useServices } from '../state/context.tsx';
import { IconButton } from './IconButton.tsx';
import { Modal } from './Modal.tsx';
import { RegionSelector } from './RegionSelector.tsx';
import { SourceChooser } from './SourceChooser.tsx';

type Step =
  | { step: 'idle' }
  | { step: 'busy' }
  | { step: 'choose'; sources: CaptureSource[] }
  | { step: 'frame'; file: File; url: string; width: number; height: number };

/** Room for the capture inside the dialog (CSS caps the dialog at the window). */
function stageBox() {
  const width = Math.min(960, Math.max(280, (globalThis.innerWidth || 1024) - 96));
  const height = Math.min(600, Math.max(200, (globalThis.innerHeight || 768) - 320));
  return { width, height };
}

export function CaptureButton({ disabled }: { disabled: boolean }) {
  const { api } = useServices();
  const { addFiles, pushToast } = useActions();
  const [step, setStep] = useState<Step>({ step: 'idle' });
  const stepRef = useRef(step);
  stepRef.current = step;

  const failed = useCallback(
    (message: string) => {
      setStep({ step: 'idle' });
      pushToast({ message, tone: 'error' });
    },
    [pushToast],
  );

  const showFrame = useCallback((file: File, width: number, height: number) => {
    setStep({ step: 'frame', file, url: URL.createObjectURL(file), width, height });
  }, []);

  const start = useCallback(async () => {
    if (stepRef.current.step !== 'idle') return;
    setStep({ step: 'busy' });
    const listed = await api['capture.sources']({});
    if (!listed.ok) return failed(`Could not capture the screen: ${describeError(listed.error)}`);
    if (listed.value.kind === 'denied') return failed(listed.value.reason);
    if (listed.value.kind === 'sources') return setStep({ step: 'choose', sources: listed.value.sources });
    try {
      const capture = await captureScreen();
      showFrame(capture.file, capture.width, capture.height);
    } catch (error) {
      failed(
        error instanceof CaptureError ? error.message : `Could not capture the screen: ${String(error)}`,
      );
    }
  }, [api, failed, showFrame]);

  // The desktop app's global shortcut (main/electron/capture.ts) lands here.
  useEffect(() => api.on('capture.requested', () => void start()), [api, start]);

  const take = async (source: CaptureSource) => {
    setStep({ step: 'busy' });
    // A screen is captured without Tessera's own window in it; a window is captured as it is.
    const result = await api['capture.take']({ sourceId: source.id, hideWindow: source.kind === 'screen' });
    if (!result.ok) return failed(`Could not capture ${source.name}: ${describeError(result.error)}`);
    const { name, png, width, height } = result.value;
    showFrame(new File([png as BlobPart], name, { type: 'image/png' }), width, height);
  };

  const close = () => {
    if (step.step === 'frame') URL.revokeObjectURL(step.url);
    setStep({ step: 'idle' });
  };

  const attach = async (region: Region | null) => {
    if (step.step !== 'frame') return;
    const { file, url, width, height } = step;
    let attached = file;
    if (region) {
      try {
        attached = await cropToFile(url, { width, height }, region, cropName(file.name, region));
      } catch (error) {
        return failed(`Could not cut the region: ${String(error)}`);
      }
    }
    URL.revokeObjectURL(url);
    setStep({ step: 'idle' });
    addFiles([attached], 'picker');
  };

  return (
    <>
      <IconButton
        label="Capture the screen (Ctrl+Shift+2 in the desktop app)"
        testId="capture-button"
        disabled={disabled || step.step === 'busy'}
        onClick={() => void start()}
      >
        <CaptureIcon />
      </IconButton>
      {step.step === 'choose' && (
        <SourceChooser
          title="Capture a screen or window"
          sources={step.sources}
          onChoose={(source) => void take(source)}
          onClose={close}
        />
      )}
      {step.step === 'frame' && (
        <Modal title="Screenshot" onClose={close} wide testId="capture-dialog">
          <p className="capture-size">
            {step.file.name} · {step.width}×{step.height}
          </p>
          <RegionSelector
            src={step.url}
            original={{ width: step.width, height: step.height }}
            box={stageBox()}
            label="the screenshot"
            action="attaches that region"
            submitLabel="Attach region"
            onSubmit={(region) => void attach(region)}
            onCancel={close}
          />
          <div className="capture-actions">
            <button
              type="button"
              className="button primary"
              data-testid="capture-attach-whole"
              onClick={() => void attach(null)}
            >
              Attach whole screenshot
            </button>
            <button type="button" className="button" onClick={close}>
              Cancel
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}

/** A dashed frame with a corner mark: "take a picture of the screen". */
function CaptureIcon() {
  return (
    <svg
      className="icon"
      width={18}
      height={18}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3" />
      <circle cx="12" cy="12" r="3" />
    </svg>
  );
}
