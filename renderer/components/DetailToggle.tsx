import type { Detail, TilePlan } from '../../app/tile-plan.ts';
import { formatInt } from '../lib/format.ts';

const OPTIONS: Array<{ value: Detail; label: string; hint: string }> = [
  {
    value: 'low',
    label: 'Low',
    hint: 'The global view only: fastest, fewest tokens; small text may be unreadable.',
  },
  { value: 'high', label: 'High', hint: 'Tiles at full resolution plus the global view: reads small text.' },
];

/** Low/High per image, with each choice's token cost when known, so the trade-off is visible. */
export function DetailToggle({
  value,
  plans,
  onChange,
  label,
  disabled = false,
}: {
  value: Detail;
  plans: Partial<Record<Detail, TilePlan>>;
  onChange: (detail: Detail) => void;
  label: string;
  disabled?: boolean;
}) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label} data-testid="detail-toggle">
      {OPTIONS.map((option) => {
        const tokens = plans[option.value]?.promptTokens;
        return (
          <button
            key={option.value}
            type="button"
            role="radio"
            aria-checked={value === option.value}
            data-testid={`detail-${option.value}`}
            title={option.hint}
            disabled={disabled}
            onClick={() => onChange(option.value)}
            onKeyDown={(e) => {
              // Radio-group keys: arrows switch the choice.
              if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
                e.preventDefault();
                onChange(option.value === 'low' ? 'high' : 'low');
              }
            }}
            tabIndex={value === option.value ? 0 : -1}
          >
            {option.label}
            {tokens !== undefined && <span className="segmented-note">{formatInt(tokens)}</span>}
          </button>
        );
      })}
    </div>
  );
}
