/**
 * Can Node share one fixed-capacity past/present buffer with GroupQueryAttention (onnxruntime-genai's
 * past_present_share_buffer)? One GQA node (Gemma-3-4B's 8 heads, 4 KV heads, head_dim 256) whose past inputs are
 * given again as pre-allocated `present` outputs, so the kernel sees one buffer and writes the new row in place.
 * `probeSharedBuffer` reports the median step, whether the new row landed in our buffer and whether the returned
 * tensor is our buffer; `probeGrowingCache` the usual growing cache (present fed back as past) for comparison.
 * models/runtime/gqa-shared-buffer.test.ts pins the behaviour, the bench's `attention` suite prints the timings.
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, MS_DOMAIN, int } from '../runtime/graph-builder.ts';

const [HEADS, KV_HEADS, HEAD_DIM, ROWS] = [8, 4, 256, 16384];
const [FIRST, STEPS] = [200, 60];

function gqaGraph(): Uint8Array {
  const g = new GraphBuilder({ name: 'gqa', opset: 17 });
  const inputs = [
    g.input('query', 'float32', ['b', 's', HEADS * HEAD_DIM]),
    g.input('key', 'float32', ['b', 's', KV_HEADS * HEAD_DIM]),
    g.input('value', 'float32', ['b', 's', KV_HEADS * HEAD_DIM]),
    g.input('past_key', 'float32', ['b', KV_HEADS, 'p', HEAD_DIM]),
    g.input('past_value', 'float32', ['b', KV_HEADS, 'p', HEAD_DIM]),
    g.input('seqlens_k', 'int32', ['b']),
    g.input('total', 'int32', []),
    g.initializer(
      'cos_cache',
      'float32',
      [ROWS, HEAD_DIM / 2],
      new Float32Array((ROWS * HEAD_DIM) / 2).fill(1),
    ),
    g.initializer('sin_cache', 'float32', [ROWS, HEAD_DIM / 2], new Float32Array((ROWS * HEAD_DIM) / 2)),
  ];
  g.node('GroupQueryAttention', inputs, {
    domain: MS_DOMAIN,
    outputs: ['out', 'present_key', 'present_value'],
    attrs: { num_heads: int(HEADS), kv_num_heads: int(KV_HEADS), do_rotary: int(1) },
  });
  g.output('out', 'float32', ['b', 's', HEADS * HEAD_DIM]);
  g.output('present_key', 'float32', ['b', KV_HEADS, 't', HEAD_DIM]);
  g.output('present_value', 'float32', ['b', KV_HEADS, 't', HEAD_DIM]);
  return g.toBytes();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

/** One decode step after `past` positions; every value lane of the new row holds `past`. */
function step(past: number, pastKey: ort.Tensor, pastValue: ort.Tensor): Record<string, ort.Tensor> {
  return {
    query: tensor(new Float32Array(HEADS * HEAD_DIM).fill(0.1), [1, 1, HEADS * HEAD_DIM]),
    key: tensor(new Float32Array(KV_HEADS * HEAD_DIM).fill(0.2), [1, 1, KV_HEADS * HEAD_DIM]),
    value: tensor(new Float32Array(KV_HEADS * HEAD_DIM).fill(past), [1, 1, KV_HEADS * HEAD_DIM]),
    past_key: pastKey,
    past_value: pastValue,
    seqlens_k: new ort.Tensor('int32', Int32Array.of(past), [1]),
    total: new ort.Tensor('int32', Int32Array.of(past + 1), []),
  };
}

export interface SharedBufferProbe {
  capacity: number;
  msPerStep: number;
  /** The kernel wrote the new row into the buffer Tessera gave (it ran in place). */
  writtenInPlace: boolean;
  /** The run handed back that same buffer (no copy out of onnxruntime). */
  returnedOurBuffer: boolean;
}

const open = () => ort.InferenceSession.create(gqaGraph(), { intraOpNumThreads: 1 });

/** `steps` decode steps on one buffer of `capacity` positions given as both past and present. */
export async function probeSharedBuffer(capacity: number, steps = STEPS): Promise<SharedBufferProbe> {
  const session = await open();
  const keys = new Float32Array(KV_HEADS * capacity * HEAD_DIM);
  const values = new Float32Array(KV_HEADS * capacity * HEAD_DIM);
  const k = tensor(keys, [1, KV_HEADS, capacity, HEAD_DIM]);
  const v = tensor(values, [1, KV_HEADS, capacity, HEAD_DIM]);
  const times: number[] = [];
  let returnedOurBuffer = true;
  for (let past = FIRST; past < FIRST + steps; past++) {
    const t0 = performance.now();
    const fetches = {
      out: null,
      present_key: k,
      present_value: v,
    } as unknown as ort.InferenceSession.FetchesType;
    const out = await session.run(step(past, k, v), fetches);
    times.push(performance.now() - t0);
    returnedOurBuffer &&= (out.present_key?.data as Float32Array).buffer === keys.buffer;
  }
  await session.release();
  const row = FIRST + steps - 1;
  return {
    capacity,
    msPerStep: median(times),
    writtenInPlace: values[row * HEAD_DIM] === row,
    returnedOurBuffer,
  };
}

/** `steps` decode steps on the growing cache: each run's present is the next run's past. */
export async function probeGrowingCache(steps = STEPS): Promise<{ msPerStep: number }> {
  const session = await open();
  let [pastKey, pastValue] = [FIRST, FIRST].map((n) =>
    tensor(new Float32Array(KV_HEADS * n * HEAD_DIM), [1, KV_HEADS, n, HEAD_DIM]),
  ) as [ort.Tensor, ort.Tensor];
  const times: number[] = [];
  for (let past = FIRST; past < FIRST + steps; past++) {
    const t0 = performance.now();
    const out = await session.run(step(past, pastKey, pastValue));
    times.push(performance.now() - t0);
    [pastKey, pastValue] = [out.present_key as ort.Tensor, out.present_value as ort.Tensor];
  }
  await session.release();
  return { msPerStep: median(times) };
}
