/**
 * The fake services behind a Transport, for `vite` dev (`/?demo`): the UI without an engine.
 * `/?demo=first-run` starts with no model, to see the first-run download.
 */
import type { Transport } from '../api/transport.ts';
import { createFakeApi, seedFake } from './fake-api.ts';

export async function createDemoTransport(mode: string | null = null): Promise<Transport> {
  const firstRun = mode === 'first-run';
  const fake = createFakeApi({
    autoAnswer: { chunkMs: 40 },
    // About 25 MB/s: the default model takes a few seconds, the large ones long enough to pause.
    autoDownload: { tickMs: 250, bytesPerSecond: 25 * 1024 * 1024 },
    ...(firstRun ? { models: [] } : {}),
  });
  if (!firstRun) {
    await seedFake(fake, 40);
    // A paused download, to show one without starting it.
    const started = await fake.api['downloads.start']({
      repo: 'HuggingFaceTB/SmolVLM2-2.2B-Instruct',
      variant: 'q4',
    });
    if (started.ok) {
      fake.advanceDownload(started.value.id, 420 * 1024 * 1024, 18 * 1024 * 1024);
      await fake.api['downloads.pause']({ id: started.value.id });
    }
  }
  const api = fake.api as unknown as Record<string, (input: unknown) => Promise<never>>;
  return {
    request: (name, input) => (api[name] as (input: unknown) => Promise<never>)(input),
    on: (event, listener) => fake.api.on(event as 'answer.delta', listener as () => void),
  };
}
