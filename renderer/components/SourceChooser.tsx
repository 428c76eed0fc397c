/**
 * The desktop app's chooser of a screen or window (capture.sources, with small thumbnails): the screenshot
 * button takes the chosen one, the record button records it.
 */
import { useEffect, useState } from 'react';
import type { CaptureSource } from '../../app/ipc/contract.ts';
import { Modal } from './Modal.tsx';

export function SourceChooser({
  title,
  sources,
  onChoose,
  onClose,
}: {
  title: string;
  sources: readonly CaptureSource[];
  onChoose: (source: CaptureSource) => void;
  onClose: () => void;
}) {
  return (
    <Modal title={title} onClose={onClose} testId="capture-chooser">
      {sources.length === 0 ? (
        <p role="status">No screen or window can be captured.</p>
      ) : (
        <ul className="capture-sources" aria-label="Screens and windows">
          {sources.map((source) => (
            <li key={source.id}>
              <button
                type="button"
                className="capture-source"
                data-testid="capture-source"
                onClick={() => onChoose(source)}
              >
                <SourceThumbnail png={source.thumbnail} />
                <span className="capture-source-name">
                  {source.kind === 'screen' ? 'Screen' : 'Window'}: {source.name}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

function SourceThumbnail({ png }: { png: Uint8Array }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const made = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [png]);
  return url ? <img className="capture-thumbnail" src={url} alt="" /> : null;
}
