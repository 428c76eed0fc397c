/** Renders components with a fake-backed store (jsdom tests). */
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { ServicesProvider } from '../state/context.tsx';
import { createHarness } from './harness.ts';
import type { FakeApiOptions } from './fake-api.ts';

export function renderWithServices(ui: ReactNode, options: FakeApiOptions = {}) {
  const harness = createHarness(options);
  const services = { api: harness.api, store: harness.store, images: harness.images, connection: null };
  const view = render(<ServicesProvider services={services}>{ui}</ServicesProvider>);
  return { ...harness, ...view };
}
