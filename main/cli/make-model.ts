/** `tessera make-model`: writes a generated model folder (seeded random weights, real layout). */
import { GENERATED_FAMILIES, makeModel } from '../../models/generate/index.ts';
import { intOption, oneOf, parse, required } from './args.ts';

export async function makeModelCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    family: { type: 'string' },
    size: { type: 'string', default: 'tiny' },
    dtype: { type: 'string', default: 'fp32' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    // `--attention gqa`: the decoder as current onnx-community exports write it (GroupQueryAttention, no
    // position_ids, num_logits_to_keep), for the families that have it.
    attention: { type: 'string', default: 'plain' },
  });
  const started = performance.now();
  // `--dtype q4,q8`: every graph in each variant, in one folder, as a Hub repo ships them.
  const [dtype = 'fp32', ...extraDtypes] = (values.dtype ?? 'fp32')
    .split(',')
    .map((d) => oneOf(d.trim(), 'dtype', ['fp32', 'q4', 'q8'] as const) ?? 'fp32');
  const result = await makeModel({
    family: oneOf(required(values.family, 'family'), 'family', GENERATED_FAMILIES) ?? 'smolvlm',
    size: oneOf(values.size, 'size', ['tiny', 'realistic'] as const) ?? 'tiny',
    dtype,
    extraDtypes,
    seed: intOption(values.seed, 'seed') ?? 0,
    outDir: required(values.out, 'out'),
    attention: oneOf(values.attention, 'attention', ['plain', 'gqa'] as const) ?? 'plain',
  });
  console.error(
    `wrote ${result.files.length} files to ${result.dir} in ${Math.round(performance.now() - started)} ms`,
  );
}
