/** `tessera rm MODEL`: deletes an installed model (folder name or repo id). */
import { resolve } from 'node:path';
import { removeModel } from '../downloads/download-model.ts';
import { UsageError, parse } from './args.ts';
import { defaultModelsDir } from './pull.ts';

export async function rmCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { 'models-dir': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('expected one MODEL.');
  const dir = await removeModel(resolve(values['models-dir'] ?? defaultModelsDir()), positionals[0] ?? '');
  console.log(`Removed ${dir}`);
}
