/** `tessera pull REPO_ID[@REVISION] [--variant V]`: downloads one variant of a model from the Hub (resuming). */
import { join, resolve } from 'node:path';
import { downloadModel } from '../downloads/download-model.ts';
import { parseRepoRef } from '../downloads/hub-client.ts';
import { DTYPES } from '../../models/runtime/model-folder.ts';
import { UsageError, oneOf, parse } from './args.ts';
import { defaultDataDir } from './serve.ts';

export function defaultModelsDir(): string {
  return join(defaultDataDir(), 'models');
}

const MB = 1e6;

/** `--endpoint`, checked: the Hub (or a mirror) over http(s). */
export function endpointOption(endpoint: string | undefined): string | undefined {
  if (endpoint !== undefined && !/^https?:\/\/./.test(endpoint)) {
    throw new UsageError(`--endpoint must be an http(s) URL, got "${endpoint}".`);
  }
  return endpoint;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

export async function pullCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    endpoint: { type: 'string' },
    'models-dir': { type: 'string' },
    variant: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('expected one REPO_ID[@REVISION].');
  const endpoint = endpointOption(values.endpoint);
  const variant = oneOf(values.variant, 'variant', DTYPES);
  const { repo, revision } = parseRepoRef(positionals[0] ?? '');
  const modelsDir = resolve(values['models-dir'] ?? defaultModelsDir());
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let firstBytes: number | undefined;
  let lastPrint = 0;
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('Interrupted; run the same command again to resume.'));
  process.once('SIGINT', onSignal);
  try {
    const { dir, manifest } = await downloadModel({
      repo,
      revision,
      ...(variant ? { variant } : {}),
      modelsDir,
      client: {
        ...(endpoint ? { endpoint } : {}),
        ...(process.env.HF_TOKEN ? { token: process.env.HF_TOKEN } : {}),
      },
      signal: controller.signal,
      onProgress: ({ bytes, total, filesDone, files }) => {
        firstBytes ??= bytes;
        const now = Date.now();
        const finished = filesDone === files;
        if (!finished && now - lastPrint < (tty ? 200 : 1000)) return;
        lastPrint = now;
        const seconds = Math.max(0.001, (now - started) / 1000);
        const rate = (bytes - firstBytes) / seconds;
        const percent = total > 0 ? ((100 * bytes) / total).toFixed(1) : '0.0';
        const line =
          `${percent}% ${(bytes / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB ` +
          `${(rate / MB).toFixed(2)} MB/s ETA ${formatEta(rate > 0 ? (total - bytes) / rate : Infinity)} ` +
          `(${filesDone}/${files} files)`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    console.log(
      `Pulled ${repo}@${manifest.commit.slice(0, 12)} (${manifest.variant ?? 'all files'}) into ${dir}`,
    );
  } finally {
    process.off('SIGINT', onSignal);
  }
}
