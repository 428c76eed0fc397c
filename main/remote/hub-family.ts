/**
 * A remote model's family from a Hub repo the user names: its config.json, preprocessor_config.json and
 * processor_config.json (where there is one), fetched at the revision's commit through the Hub client the
 * downloads use (same endpoint, token, bounds and retries). Only the repo id goes to the Hub.
 */
import { TesseraError } from '../../app/errors.ts';
import type { RemoteModelRecord } from '../../app/remote.ts';
import { HubClient, parseRepoRef } from '../downloads/hub-client.ts';
import type { HubClientOptions } from '../downloads/hub-client.ts';

type ModelJsonFiles = NonNullable<RemoteModelRecord['json']>;

export async function fetchFamilyJson(source: string, options: HubClientOptions): Promise<ModelJsonFiles> {
  const { repo, revision } = parseRepoRef(source.trim());
  const client = new HubClient(options);
  const snapshot = await client.snapshot(repo, revision);
  const has = (path: string) => snapshot.files.some((f) => f.path === path);
  const read = async (path: string): Promise<Record<string, unknown>> => {
    const text = await client.fetchText(repo, snapshot.commit, path);
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // Said below.
    }
    throw new TesseraError('MODEL_FILE_CORRUPT', `${path} of ${repo} is not a JSON object.`);
  };
  for (const path of ['config.json', 'preprocessor_config.json']) {
    if (!has(path)) {
      throw new TesseraError(
        'MODEL_UNSUPPORTED',
        `${repo} has no ${path}, so Tessera cannot tell how the model tiles images. Name the model's original repo.`,
      );
    }
  }
  return {
    config: await read('config.json'),
    preprocessor_config: await read('preprocessor_config.json'),
    processor_config: has('processor_config.json') ? await read('processor_config.json') : null,
  };
}
