/** The add-a-model form: a Hub repo id or a local folder to inspect, and the inspection's result below it. */
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useActions, useApp } from '../../state/context.tsx';
import { InspectionResult } from './InspectionResult.tsx';
import { Section } from './Section.tsx';

export function AddModelSection() {
  const inspection = useApp((s) => s.inspection);
  const { inspect, resetInspection } = useActions();
  const [source, setSource] = useState(inspection.source);
  const inputId = useId();
  const hintId = useId();

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void inspect(source);
  }

  return (
    <Section title="Add a model" testId="add-model">
      <form className="add-model-form" onSubmit={onSubmit}>
        <label htmlFor={inputId} className="field-label">
          Hub repo id or folder on this computer
        </label>
        <div className="input-row">
          <input
            id={inputId}
            type="text"
            className="text-input"
            data-testid="add-model-input"
            aria-describedby={hintId}
            placeholder="OWNER/NAME[@REVISION] or /path/to/model"
            spellCheck={false}
            autoComplete="off"
            value={source}
            onChange={(e) => {
              setSource(e.target.value);
              if (inspection.status !== 'idle') resetInspection();
            }}
          />
          <button
            type="submit"
            className="button"
            data-testid="add-model-inspect"
            disabled={!source.trim() || inspection.status === 'loading'}
          >
            Inspect
          </button>
        </div>
        <p id={hintId} className="muted field-hint">
          Tessera looks at the files first and says whether it can run the model.
        </p>
      </form>
      <div aria-live="polite">
        <InspectionResult />
      </div>
    </Section>
  );
}
