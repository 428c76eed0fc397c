/** The fake services behind a Transport, for `vite` dev (`/?demo`): the UI without an engine. */
import type { Transport } from '../api/transport.ts';
import { createFakeApi, seedFake } from './fake-api.ts';

export async function createDemoTransport(): Promise<Transport> {
  const fake = createFakeApi({ autoAnswer: { chunkMs: 40 } });
  await seedFake(fake, 40);
  const api = fake.api as unknown as Record<string, (input: unknown) => Promise<never>>;
  return {
    request: (name, input) => (api[name] as (input: unknown) => Promise<never>)(input),
    on: (event, listener) => fake.api.on(event as 'answer.delta', listener as () => void),
  };
}
