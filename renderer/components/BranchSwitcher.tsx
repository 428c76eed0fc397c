import type { SiblingInfo } from '../state/branch.ts';
import { rememberAnchor } from '../lib/scroll-anchor.ts';
import { useActions } from '../state/context.tsx';
import { ChevronLeftIcon, ChevronRightIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';

/** "‹ 2/3 ›" between versions of a message (edits of a question, regenerations of an answer). */
export function BranchSwitcher({ siblings, disabled }: { siblings: SiblingInfo; disabled: boolean }) {
  const { selectBranch } = useActions();
  if (siblings.count < 2) return null;
  return (
    <div className="branch-switcher" role="group" aria-label="Versions" data-testid="branch-switcher">
      <IconButton
        label="Previous version"
        testId="branch-previous"
        disabled={disabled || !siblings.previous}
        onClick={(e) => {
          if (!siblings.previous) return;
          rememberAnchor(e.currentTarget, siblings.previous.id);
          void selectBranch(siblings.previous.id);
        }}
      >
        <ChevronLeftIcon size={16} />
      </IconButton>
      <span className="branch-position" data-testid="branch-position">
        {siblings.index}/{siblings.count}
      </span>
      <IconButton
        label="Next version"
        testId="branch-next"
        disabled={disabled || !siblings.next}
        onClick={(e) => {
          if (!siblings.next) return;
          rememberAnchor(e.currentTarget, siblings.next.id);
          void selectBranch(siblings.next.id);
        }}
      >
        <ChevronRightIcon size={16} />
      </IconButton>
    </div>
  );
}
