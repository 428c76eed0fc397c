import type { AnswerBoxes } from '../lib/boxes/answer-boxes.ts';
import { describeBoxes } from '../lib/boxes/answer-boxes.ts';
import { setBoxesShown, useBoxesShown } from '../lib/boxes/use-answer-boxes.ts';

/** Under an answer that found boxes: where they are drawn, and a toggle to hide them from the image. */
export function BoxesNote({
  answerId,
  found,
  imageNumber,
}: {
  answerId: string;
  found: AnswerBoxes;
  imageNumber: number;
}) {
  const shown = useBoxesShown(answerId);
  return (
    <span className="status-note boxes-note" data-testid="boxes-note">
      <span>{describeBoxes(found, imageNumber)}</span>
      {found.boxes.length > 0 && (
        <button
          type="button"
          className="button small"
          data-testid="boxes-toggle"
          aria-pressed={!shown}
          onClick={() => setBoxesShown(answerId, !shown)}
        >
          {shown ? 'Hide boxes' : 'Show boxes'}
        </button>
      )}
    </span>
  );
}
