import { useEffect, useState } from 'react';
import { familyName } from '../../app/families.ts';
import type { ImageRef } from '../../app/ipc/contract.ts';
import type { Detail, TilePlan } from '../../app/tile-plan.ts';
import { describeError } from '../lib/errors.ts';
import { formatSize } from '../lib/format.ts';
import { describePlan } from '../lib/tile-layout.ts';
import { useImageUrl } from '../lib/use-image-url.ts';
import { useActions, useApp, useServices } from '../state/context.tsx';
import { DetailToggle } from './DetailToggle.tsx';
import { Modal } from './Modal.tsx';
import { planTotals, TileView } from './TileView.tsx';

/** Room for the image inside the dialog (CSS caps the dialog at the window). */
function stageBox() {
  const width = Math.min(960, Math.max(280, (globalThis.innerWidth || 1024) - 96));
  const height = Math.min(640, Math.max(200, (globalThis.innerHeight || 768) - 300));
  return { width, height };
}

/**
 * The tile view, large. From the composer it edits that attachment's detail; from a sent message it shows
 * the plan of the detail it was sent at, and can preview the other detail without changing anything.
 */
export function TileDialog({
  image,
  label,
  attachmentKey,
  onClose,
}: {
  image: ImageRef;
  label: string;
  attachmentKey?: string;
  onClose: () => void;
}) {
  const { api } = useServices();
  const attachment = useApp((s) =>
    attachmentKey ? s.attachments.find((a) => a.key === attachmentKey) : undefined,
  );
  const { setAttachmentDetail } = useActions();
  const [previewDetail, setPreviewDetail] = useState<Detail>(image.detail);
  const [plans, setPlans] = useState<Partial<Record<Detail, TilePlan>>>({});
  const [error, setError] = useState<string | null>(null);
  // An attachment already has a local preview; only sent images need their bytes fetched.
  const stored = useImageUrl(attachment?.previewUrl ? null : image.sha256, image.mime);
  const url = attachment?.previewUrl ?? stored;

  const detail = attachment?.detail ?? previewDetail;
  const allPlans = attachment?.plans ?? plans;

  useEffect(() => {
    if (attachment) return;
    let live = true;
    for (const d of ['low', 'high'] as const) {
      void api['images.plan']({ sha256: image.sha256, detail: d }).then((result) => {
        if (!live) return;
        if (result.ok) setPlans((p) => ({ ...p, [d]: result.value }));
        else setError(describeError(result.error));
      });
    }
    return () => {
      live = false;
    };
  }, [api, image.sha256, attachment]);

  const plan = allPlans[detail] ?? null;
  const box = stageBox();
  return (
    <Modal title={`${label} — what the model sees`} onClose={onClose} wide testId="tile-dialog">
      <div className="tile-dialog">
        <div className="tile-dialog-bar">
          <span className="tile-dialog-name">{image.name}</span>
          <DetailToggle
            value={detail}
            plans={allPlans}
            label={attachment ? `Detail for ${label}` : 'Preview detail'}
            onChange={(d) => (attachment ? void setAttachmentDetail(attachment.key, d) : setPreviewDetail(d))}
          />
          {!attachment && detail !== image.detail && (
            <span className="tile-dialog-note">Preview — this image was sent at {image.detail} detail.</span>
          )}
        </div>
        {error && !plan ? (
          <p className="message-error" role="alert">
            {error}
          </p>
        ) : (
          <TileView plan={plan} src={url} box={box} alt={`${label}: ${image.name}`} large busy="Planning…" />
        )}
        {plan && (
          <dl className="plan-facts" data-testid="plan-facts">
            <dt>Original</dt>
            <dd>{formatSize(plan.original)} px</dd>
            <dt>Resized to</dt>
            <dd>{formatSize(plan.resized)} px</dd>
            <dt>Encoder inputs</dt>
            <dd>{describePlan(plan)}</dd>
            <dt>Cost</dt>
            <dd>{planTotals(plan)}</dd>
            <dt>Family</dt>
            <dd>{familyName(plan.family)}</dd>
          </dl>
        )}
        <p className="tile-dialog-help">
          Hover or focus a tile (arrow keys move between tiles) to see the crop of the original it covers, the
          size the vision encoder receives, and its tokens.
        </p>
      </div>
    </Modal>
  );
}
