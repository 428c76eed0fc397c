/**
 * The real services, with a real engine on the generated tiny model, run through the behaviour suite the
 * renderer's fake is held to (app/ipc/contract-behaviour.ts): they define what the fake must do.
 */
import { contractBehaviour } from '../../app/ipc/contract-behaviour.ts';
import { type Api, REQUEST_NAMES } from '../../app/ipc/contract.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { dispatch } from './dispatch.ts';
import { type Harness, startHarness } from './testing/harness.ts';

/** The services as the renderer sees them: every request through dispatch, copied both ways. */
function apiOf(h: Harness): Api {
  const api: Record<string, unknown> = {
    on: (event: string, listener: (payload: unknown) => void) =>
      h.services.events.on((name, payload) => {
        if (name === event) listener(structuredClone(payload));
      }),
  };
  for (const name of REQUEST_NAMES) {
    api[name] = async (input: unknown) =>
      structuredClone(await dispatch(h.services.handlers, name, structuredClone(input), () => {}));
  }
  return api as Api;
}

contractBehaviour('the real services', async () => {
  const modelDir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  const h = startHarness({ modelDirs: [modelDir] });
  return {
    api: apiOf(h),
    png: async (width, height) => new Uint8Array(await noiseImage(width, height, 4)),
    close: () => h.close(),
  };
});
