// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeStats } from '../testing/fake/data.ts';
import { StatsLine } from './StatsLine.tsx';

afterEach(cleanup);

describe('StatsLine', () => {
  it('names the model that wrote the answer, its family and the decoder’s dtype', () => {
    const model = { id: 'm', name: 'llava-onevision-tiny', family: 'llava-onevision' };
    render(<StatsLine stats={{ ...fakeStats(3), model }} />);
    expect(screen.getByTestId('message-model').textContent).toBe(
      'llava-onevision-tiny (LLaVA-OneVision, q4f16)',
    );
  });

  it('leaves the model out for answers stored before answers named it', () => {
    render(<StatsLine stats={fakeStats(3)} />);
    expect(screen.queryByTestId('message-model')).toBeNull();
    expect(screen.getByTestId('message-stats').textContent).toContain('tokens/s');
  });
});
