/** The fake services held to the behaviour the real ones have (app/ipc/contract-behaviour.ts). */
import { contractBehaviour } from '../../app/ipc/contract-behaviour.ts';
import { createFakeApi } from './fake-api.ts';

/** A PNG signature and IHDR: all the fake reads of an image. */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(24);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

contractBehaviour('the fake services', async () => {
  const fake = createFakeApi({ autoAnswer: { chunkMs: 1 } });
  return { api: fake.api, png: async (width, height) => pngHeader(width, height), close: async () => {} };
});
