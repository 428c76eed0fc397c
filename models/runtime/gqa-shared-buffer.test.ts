/**
 * The shared past/present buffer GroupQueryAttention is built for (models/testing/gqa-shared-buffer.ts), from Node:
 * onnxruntime-node 1.30 binds a pre-allocated `present` to the buffer given, so the kernel writes the new row in
 * place, but hands back a copy of the whole buffer. While that holds, a fixed-capacity cache costs a copy of its
 * capacity per step and Tessera does not use it (docs/ARCHITECTURE.md, the engine); a binding that returns the
 * buffer itself fails this test, and the cache can then share it.
 */
import { describe, expect, it } from 'vitest';
import { probeSharedBuffer } from '../testing/gqa-shared-buffer.ts';

describe('GroupQueryAttention with one past/present buffer, from onnxruntime-node', () => {
  it('writes the new row in place but returns a copy of the buffer', async () => {
    const probe = await probeSharedBuffer(256, 4);
    expect(probe.writtenInPlace).toBe(true);
    expect(probe.returnedOurBuffer).toBe(false);
  });
});
