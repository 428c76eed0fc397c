import { useEffect, useState } from 'react';
import { familyName } from '../../app/families.ts';
import type { ImageRef } from '../../app/ipc/contract.ts';
import type { Detail, TilePlan } from '../../app/tile-plan.ts';
import { attachCrop, type Region } from '../lib/crop.ts';
import { describeError } from '../lib/errors.ts';
import { formatInt, formatSize } from '../lib/format.ts';
import { describePlan, enlargedCost, fitWithin } from '../lib/tile-layout.ts';
import { useImageUrl } from '../lib/use-image-url.ts';
import { useActions, useApp, useServices } from '../state/context.tsx';
import { COMPOSER_INPUT_ID } from './Composer.tsx';
import { DetailToggle } from './DetailToggle.tsx';
import { Modal } from './Modal.tsx';
import { RegionSelector } from './RegionSelector.tsx';
import { planTotals, TileView } from './TileView.tsx';
import type { Zoom } from './TileView.tsx';

/** Room for the image inside the dialog (CSS caps the dialog at the window). */
function stageBox() {
  const width = Math.min(960, Math.max(280, (globalThis.innerWidth || 1024) - 96));
  const height = Math.min(640, Math.max(200, (globalThis.innerHeight || 768) - 300));
  return { width, height };
}

/** Room for "What the model gets" beside the original. */
const MODEL_VIEW = { width: 160, height: 160 };

/** The plan's resized aspect differs from the original's (the model gets a squashed or stretched image). */
function reshaped(plan: TilePlan): boolean {
  const { original, resized } = plan;
  if (original.width <= 0 || original.height <= 0 || resized.width <= 0 || resized.height <= 0) return false;
  const ratio = resized.width / resized.height / (original.width / original.height);
  return Math.abs(ratio - 1) > 0.02;
}

const ZOOMS: Array<{ value: Zoom; label: string; hint: string }> = [
  { value: 'fit', label: 'Fit', hint: 'Fit the image to the dialog (tall images scroll)' },
  { value: 'actual', label: '100 %', hint: 'One image pixel per screen pixel; scroll to pan' },
];

/**
 * The tile view, large. From the composer it edits that attachment's detail; from a sent message it shows
 * the plan of the detail it was sent at, and can preview the other detail without changing anything.
 */
export function TileDialog({
  image,
  label,
  attachmentKey,
  selectRegion = false,
  onClose,
}: {
  image: ImageRef;
  label: string;
  attachmentKey?: string;
  /** Open in region selection (a card's or a sent image's "region" button). */
  selectRegion?: boolean;
  onClose: () => void;
}) {
  const { api } = useServices();
  const attachment = useApp((s) =>
    attachmentKey ? s.attachments.find((a) => a.key === attachmentKey) : undefined,
  );
  const { setAttachmentDetail, addFiles, pushToast } = useActions();
  const [selecting, setSelecting] = useState(selectRegion);
  const [previewDetail, setPreviewDetail] = useState<Detail>(image.detail);
  const [plans, setPlans] = useState<Partial<Record<Detail, TilePlan>>>({});
  const [error, setError] = useState<string | null>(null);
  const [zoom, setZoom] = useState<Zoom>('fit');
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
  const chooseDetail = (d: Detail) =>
    attachment ? void setAttachmentDetail(attachment.key, d) : setPreviewDetail(d);
  // What the encoder gets, when that is not simply the original's shape (always at Low detail).
  const modelView = plan && url && (plan.detail === 'low' || reshaped(plan)) ? plan.resized : null;
  const modelShown = modelView ? fitWithin(modelView, MODEL_VIEW, true) : null;
  const full = stageBox();
  const box = modelShown ? { ...full, width: Math.max(200, full.width - MODEL_VIEW.width - 16) } : full;
  const low = allPlans.low;
  const enlarged = plan && detail === 'high' && low && enlargedCost(plan, low) ? { plan, low } : null;
  // A sent image's region starts the next question; an attachment's is added beside it.
  const regionAction = attachment ? 'Attach region' : 'Ask about this region';

  function attachRegion(region: Region) {
    if (!url) return;
    attachCrop(addFiles, { url, image }, region).then(
      () => {
        pushToast({ message: `Attached ${region.width}×${region.height} from ${label}: ask about it below` });
        onClose();
        // After the dialog has given focus back to what opened it: the question is typed next.
        setTimeout(() => document.getElementById(COMPOSER_INPUT_ID)?.focus(), 0);
      },
      (error: unknown) =>
        pushToast({
          message: `Could not cut the region out of ${label}: ${error instanceof Error ? error.message : String(error)}`,
          tone: 'error',
        }),
    );
  }
  return (
    <Modal title={`${label} — what the model sees`} onClose={onClose} wide testId="tile-dialog">
      <div className="tile-dialog">
        <div className="tile-dialog-bar">
          <span className="tile-dialog-name">{image.name}</span>
          <DetailToggle
            value={detail}
            plans={allPlans}
            label={attachment ? `Detail for ${label}` : 'Preview detail'}
            onChange={chooseDetail}
          />
          <div className="segmented" role="radiogroup" aria-label="Zoom" data-testid="tile-zoom">
            {ZOOMS.map((option) => (
              <button
                key={option.value}
                type="button"
                role="radio"
                aria-checked={zoom === option.value}
                data-testid={`zoom-${option.value}`}
                title={option.hint}
                tabIndex={zoom === option.value ? 0 : -1}
                onClick={() => setZoom(option.value)}
                onKeyDown={(e) => {
                  if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
                    e.preventDefault();
                    setZoom(zoom === 'fit' ? 'actual' : 'fit');
                  }
                }}
              >
                {option.label}
              </button>
            ))}
          </div>
          <button
            type="button"
            className="button small"
            data-testid="region-toggle"
            aria-pressed={selecting}
            disabled={!url}
            title="Select a rectangle to attach it as a new image at full resolution"
            onClick={() => setSelecting(!selecting)}
          >
            {attachment ? 'Select a region' : 'Ask about a region'}
          </button>
          {!attachment && detail !== image.detail && (
            <span className="tile-dialog-note">Preview — this image was sent at {image.detail} detail.</span>
          )}
          {plan && (
            <span className="tile-dialog-total" data-testid="tile-dialog-total" title={planTotals(plan)}>
              {formatInt(plan.promptTokens)} tokens
            </span>
          )}
        </div>
        {enlarged && (
          <p className="tile-upscale-note" data-testid="tile-upscale-note" role="note">
            <span>
              This small image is enlarged to {formatSize(enlarged.plan.resized)} at High detail (
              {formatInt(enlarged.plan.promptTokens)} tokens); Low detail sends it as{' '}
              {formatInt(enlarged.low.promptTokens)} tokens.
            </span>
            <button
              type="button"
              className="button small"
              data-testid="use-low-detail"
              onClick={() => chooseDetail('low')}
            >
              {attachment ? 'Send at Low detail' : 'Preview Low detail'}
            </button>
          </p>
        )}
        {selecting && url ? (
          <RegionSelector
            src={url}
            original={{ width: image.width, height: image.height }}
            box={full}
            label={label}
            action={attachment ? 'attaches it as a new image' : 'asks about it in the next question'}
            submitLabel={regionAction}
            cancelLabel="Cancel"
            onSubmit={attachRegion}
            onCancel={() => setSelecting(false)}
          />
        ) : error && !plan ? (
          <p className="message-error" role="alert">
            {error}
          </p>
        ) : (
          <div className="tile-dialog-stage">
            <TileView
              plan={plan}
              src={url}
              box={box}
              alt={`${label}: ${image.name}`}
              large
              zoom={zoom}
              busy="Planning…"
            />
            {modelView && modelShown && url && (
              <figure className="tile-model-view" data-testid="tile-model-view">
                <img
                  src={url}
                  alt={`${label} as the model gets it, ${formatSize(modelView)} px`}
                  width={modelShown.width}
                  height={modelShown.height}
                  draggable={false}
                />
                <figcaption>
                  What the model gets
                  <br />
                  {formatSize(modelView)} px
                </figcaption>
              </figure>
            )}
          </div>
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
        {plan && plan.tiles.length > 0 && (
          <p className="tile-dialog-help" data-testid="tile-dialog-help">
            Hover or focus a tile (arrow keys move between tiles) to see the crop of the original it covers,
            the size the vision encoder receives, and its tokens.
          </p>
        )}
      </div>
    </Modal>
  );
}
