/**
 * Crops device-resident cache tensors without bringing them to the CPU: a one-node Slice graph on the
 * same provider, outputs kept on the device. Used when a conversation diverges (edit, regenerate).
 */
import { GraphBuilder } from './graph-builder.ts';
import type { GraphSession, OrtTensor, Provider } from './onnx.ts';
import { int64, sessionFromBytes } from './onnx.ts';

function sliceGraph(type: 'float32' | 'float16'): Uint8Array {
  const g = new GraphBuilder({ name: `crop_${type}` });
  const x = g.input('x', type, ['batch', 'heads', 'sequence', 'head_dim']);
  const end = g.input('end', 'int64', [1]);
  g.node('Slice', [x, g.i64([0]), end, g.i64([2])], { outputs: ['y'] });
  g.output('y', type, ['batch', 'heads', 'cropped', 'head_dim']);
  return g.toBytes();
}

export class DeviceSlicer {
  private readonly sessions = new Map<string, Promise<GraphSession>>();

  constructor(private readonly provider: Provider) {}

  /** The first `length` positions along the sequence axis (dim 2), still on the device. */
  async cropSequence(tensor: OrtTensor, length: number): Promise<OrtTensor> {
    const type = tensor.type === 'float16' ? 'float16' : 'float32';
    let session = this.sessions.get(type);
    if (!session) {
      session = sessionFromBytes(sliceGraph(type), this.provider, ['y']);
      this.sessions.set(type, session);
    }
    const { y } = await (await session).run({ x: tensor, end: int64(BigInt64Array.of(BigInt(length)), [1]) });
    if (!y) throw new Error('crop graph returned nothing');
    return y;
  }

  async release(): Promise<void> {
    for (const session of this.sessions.values()) await (await session).release();
    this.sessions.clear();
  }
}
