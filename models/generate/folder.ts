/** Writing a generated model folder: the JSON files at the top, one ONNX graph per module under onnx/. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Layers } from './nn.ts';
import { GraphBuilder } from '../runtime/graph-builder.ts';
import { DTYPE_SUFFIX } from '../runtime/model-folder.ts';
import type { GenerateContext } from './types.ts';

/** Graph name (`vision_encoder`, …) → what builds it. */
export type GraphBuilders = Record<string, (nn: Layers) => void>;

/**
 * Writes `json` (file name → value) and each graph as `onnx/<name><suffix>.onnx` (`_q4` for q4, `_quantized` for
 * q8; once per dtype of `ctx.dtype` and `ctx.extraDtypes`), weights inline
 * or in `<file>_data` per `ctx.externalData`. Returns the paths written, relative to `ctx.dir`.
 */
export async function writeModelFolder(
  ctx: GenerateContext,
  json: Record<string, unknown>,
  graphs: GraphBuilders,
): Promise<string[]> {
  const written: string[] = [];
  for (const [name, data] of Object.entries(json)) {
    await writeFile(join(ctx.dir, name), `${JSON.stringify(data, null, 2)}\n`);
    written.push(name);
  }
  await mkdir(join(ctx.dir, 'onnx'));
  for (const dtype of new Set([ctx.dtype, ...(ctx.extraDtypes ?? [])])) {
    for (const [name, build] of Object.entries(graphs)) {
      const path = join(ctx.dir, 'onnx', `${name}${DTYPE_SUFFIX[dtype]}.onnx`);
      const g = new GraphBuilder({ name, path, externalData: ctx.externalData });
      try {
        build(new Layers(g, ctx.seed, dtype));
        written.push(...(await g.save()).map((file) => `onnx/${file}`));
      } finally {
        g.close();
      }
    }
  }
  return written;
}
