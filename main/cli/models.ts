/** `tessera models`: the installed models, their commit, variant, size on disk and whether they verify. */
import { resolve } from 'node:path';
import { listModels } from '../downloads/download-model.ts';
import { UsageError, parse } from './args.ts';
import { defaultModelsDir } from './pull.ts';

export async function modelsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    'models-dir': { type: 'string' },
    quick: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}".`);
  const modelsDir = resolve(values['models-dir'] ?? defaultModelsDir());
  const models = await listModels(modelsDir, { hash: values.quick !== true });
  if (models.length === 0) {
    console.error(`No models in ${modelsDir}.`);
    return;
  }
  const rows = [
    ['NAME', 'COMMIT', 'VARIANT', 'SIZE', 'VERIFIED'],
    ...models.map((m) => [
      m.name,
      m.commit?.slice(0, 12) ?? '-',
      m.variant ?? '-',
      `${(m.bytes / 1e6).toFixed(1)} MB`,
      m.complete ? 'yes' : 'no',
    ]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
}
