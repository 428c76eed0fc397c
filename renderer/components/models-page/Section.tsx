/** One titled section of the Models page, labelled by its heading, with an optional note beside the title. */
import { useId } from 'react';
import type { ReactNode } from 'react';

export function Section({
  title,
  children,
  testId,
  note,
}: {
  title: string;
  children: ReactNode;
  testId: string;
  note?: ReactNode;
}) {
  const headingId = useId();
  return (
    <section className="models-section" aria-labelledby={headingId} data-testid={testId}>
      <div className="models-section-head">
        <h3 id={headingId}>{title}</h3>
        {note}
      </div>
      {children}
    </section>
  );
}
