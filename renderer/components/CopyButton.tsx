import { useEffect, useState } from 'react';
import { CheckIcon, CopyIcon } from './Icons.tsx';
import { IconButton } from './IconButton.tsx';

/** Copies lazily-read text (the code block's current content) and confirms for a moment. */
export function CopyButton({
  getText,
  label,
  testId,
  className,
}: {
  getText: () => string;
  label: string;
  testId?: string;
  className?: string;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <IconButton
      label={copied ? 'Copied' : label}
      testId={testId}
      className={className}
      onClick={() => {
        void navigator.clipboard?.writeText(getText()).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? <CheckIcon /> : <CopyIcon />}
    </IconButton>
  );
}
