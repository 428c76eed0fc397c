import { memo } from 'react';
import type { Attachment } from '../state/slices/composer.ts';
import { useActions } from '../state/context.tsx';
import { formatInt, formatSize } from '../lib/format.ts';
import { describePlan } from '../lib/tile-layout.ts';
import { DetailToggle } from './DetailToggle.tsx';
import { AlertIcon, CloseIcon, CropIcon, GridIcon, RedactIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';
import { TileView } from './TileView.tsx';

const THUMB = { width: 232, height: 150 };

/** One attached image: its tile plan over a thumbnail, its detail, its cost — or why it cannot be sent. */
export const AttachmentCard = memo(function AttachmentCard({
  attachment,
  label,
}: {
  attachment: Attachment;
  label: string | null;
}) {
  const { removeAttachment, setAttachmentDetail, openDialog } = useActions();
  const plan = attachment.plans[attachment.detail] ?? null;
  const title = label ?? 'Not sent';
  const image = attachment.image;
  const sizeNote = plan
    ? `${formatSize(plan.original)} px, resized to ${formatSize(plan.resized)} · ${describePlan(plan)}`
    : null;
  return (
    <li
      className={`attachment attachment-${attachment.status}`}
      data-testid="attachment-item"
      data-status={attachment.status}
      aria-label={`${title}: ${attachment.name}`}
    >
      <div className="attachment-thumb">
        {attachment.status === 'error' ? (
          <div className="attachment-broken" style={THUMB}>
            <AlertIcon size={28} />
          </div>
        ) : (
          <TileView
            plan={plan}
            src={attachment.previewUrl}
            box={THUMB}
            alt={`${title}: ${attachment.name}`}
            busy={attachment.status === 'uploading' ? 'Storing…' : null}
          />
        )}
      </div>
      <div className="attachment-head">
        <strong data-testid="attachment-label">{title}</strong>
        <span
          className="attachment-name"
          title={sizeNote ? `${attachment.name} · ${sizeNote}` : attachment.name}
        >
          {attachment.name}
        </span>
        {attachment.status === 'ready' && image && (
          <IconButton
            label={`Show the tiles of ${title}`}
            testId="attachment-tiles"
            onClick={() =>
              openDialog({
                kind: 'tiles',
                image: { ...image, detail: attachment.detail },
                label: title,
                attachmentKey: attachment.key,
              })
            }
          >
            <GridIcon size={16} />
          </IconButton>
        )}
        {attachment.status === 'ready' && image && attachment.previewUrl && (
          <>
            <IconButton
              label={`Select a region of ${title} to attach at full resolution`}
              testId="attachment-region"
              onClick={() =>
                openDialog({
                  kind: 'tiles',
                  image: { ...image, detail: attachment.detail },
                  label: title,
                  attachmentKey: attachment.key,
                  selectRegion: true,
                })
              }
            >
              <CropIcon size={16} />
            </IconButton>
            <IconButton
              label={`Redact ${title}…`}
              testId="attachment-redact"
              onClick={() => openDialog({ kind: 'redact', attachmentKey: attachment.key, label: title })}
            >
              <RedactIcon size={16} />
            </IconButton>
          </>
        )}
        <IconButton
          label={`Remove ${title}`}
          testId="attachment-remove"
          onClick={() => removeAttachment(attachment.key)}
        >
          <CloseIcon size={16} />
        </IconButton>
      </div>
      {attachment.status === 'error' ? (
        <p className="attachment-problem" role="alert" data-testid="attachment-error">
          {attachment.error}
        </p>
      ) : (
        <div className="attachment-controls">
          <DetailToggle
            value={attachment.detail}
            plans={attachment.plans}
            label={`Detail for ${title}`}
            disabled={attachment.status !== 'ready'}
            onChange={(detail) => void setAttachmentDetail(attachment.key, detail)}
          />
          {plan && (
            <span className="attachment-cost" data-testid="attachment-tokens" title={sizeNote ?? undefined}>
              {formatInt(plan.promptTokens)} tokens
            </span>
          )}
        </div>
      )}
    </li>
  );
});
