/** `tessera inspect SOURCE`: whether Tessera can run a Hub repo or a local folder, and which variants it has. */
import { inspectSource } from '../downloads/inspect.ts';
import { formatBytes } from '../downloads/download-model.ts';
import { UsageError, parse } from './args.ts';
import { endpointOption } from './pull.ts';

export async function inspectCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { endpoint: { type: 'string' } });
  if (positionals.length !== 1)
    throw new UsageError('expected one SOURCE (a model folder or OWNER/NAME[@REVISION]).');
  const endpoint = endpointOption(values.endpoint);
  const result = await inspectSource(positionals[0] ?? '', {
    client: {
      ...(endpoint ? { endpoint } : {}),
      ...(process.env.HF_TOKEN ? { token: process.env.HF_TOKEN } : {}),
    },
  });
  const lines = [
    `${result.kind === 'repo' ? 'Repo' : 'Folder'}    ${result.source}`,
    `Runnable  ${result.runnable ? 'yes' : 'no'}`,
    `Family    ${result.family ?? '-'} (model_type ${result.modelType ?? 'unknown'})`,
    result.variants.length === 0 ? 'Variants  none' : 'Variants',
    ...result.variants.map(
      (v) =>
        `  ${v.id.padEnd(6)} ${(v.bytes === null ? '?' : formatBytes(v.bytes)).padStart(9)}  ` +
        `${v.complete ? 'complete' : 'incomplete'}`,
    ),
  ];
  if (result.problems.length > 0) lines.push('Problems', ...result.problems.map((p) => `  - ${p}`));
  console.log(lines.join('\n'));
  // The report is on stdout; the exit status and one line on stderr say it cannot run.
  if (!result.runnable)
    throw new Error(`${result.source} cannot run in Tessera: ${result.problems[0] ?? ''}`);
}
