import type { CSSProperties } from 'react';
import type { ImageRef } from '../../app/ipc/contract.ts';
import { type ImageBox, labelColours } from '../lib/boxes/map.ts';

const percent = (value: number, of: number) => `${(value / of) * 100}%`;

/**
 * The boxes an answer found, over the image they are on. Positions are percentages of the original image,
 * so the overlay scales with however large the image is shown; each box is a button (Tab, Enter) that
 * crops its region from the original pixels and attaches it to the message box.
 */
export function BoxOverlay({
  image,
  boxes,
  imageLabel,
  onCrop,
}: {
  image: Pick<ImageRef, 'width' | 'height'>;
  boxes: readonly ImageBox[];
  imageLabel: string;
  onCrop: (box: ImageBox) => void;
}) {
  const colours = labelColours(boxes);
  return (
    <div className="box-overlay" data-testid="box-overlay" role="group" aria-label={`Boxes on ${imageLabel}`}>
      {boxes.map((box, i) => {
        const name = box.label || `Box ${i + 1}`;
        const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
        const style = {
          left: percent(box.x, image.width),
          top: percent(box.y, image.height),
          width: percent(box.width, image.width),
          height: percent(box.height, image.height),
          '--box-colour': colours.get(box.label.toLowerCase()),
        } as CSSProperties;
        return (
          <button
            key={i}
            type="button"
            className="image-box"
            data-testid="image-box"
            data-x={box.x}
            data-y={box.y}
            data-width={box.width}
            data-height={box.height}
            style={style}
            aria-label={`${name}, ${size} pixels: attach this region as a new image`}
            title={`${name} — attach this region (${size}) to ask about it`}
            onClick={() => onCrop(box)}
          >
            <span className="image-box-label">{name}</span>
          </button>
        );
      })}
    </div>
  );
}
