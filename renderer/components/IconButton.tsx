import type { ButtonHTMLAttributes, ReactNode } from 'react';

/** A button that shows only an icon: the label is required, so screen readers never read "button". */
export function IconButton({
  label,
  children,
  className,
  testId,
  ...rest
}: { label: string; children: ReactNode; testId?: string } & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      type="button"
      className={`icon-button${className ? ` ${className}` : ''}`}
      aria-label={label}
      title={label}
      data-testid={testId}
      {...rest}
    >
      {children}
    </button>
  );
}
